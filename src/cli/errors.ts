import { terminalSafe } from "./output/terminal-text.js";

/**
 * The user asked for something that cannot be done as asked; nothing was done.
 * Exits 1 (see exit-codes.ts) and prints no JSON.
 */
export class UsageError extends Error {
  readonly code = "usage";

  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The single stderr line for a failure: `sdmodels: <message>`. With `debug` the stack follows, for bug reports.
 * Multi-line messages are folded so that scripts reading stderr line by line see one line per failure.
 */
export function formatErrorLine(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  // Messages quote servers and file names: escape sequences in them must not reach the terminal as commands.
  const line = `sdmodels: ${terminalSafe(message.replace(/\s*\n\s*/g, " "))}\n`;
  if (debug && error instanceof Error && error.stack) return `${line}${error.stack}\n`;
  return line;
}
