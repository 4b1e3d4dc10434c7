import type { Command } from "commander";

/** The streams and environment a command writes to; `main` passes the process's own. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** The options every command accepts, wherever they appear on the command line. */
export interface GlobalOptions {
  /** Exactly one JSON document on stdout; no colour, no progress. */
  json: boolean;
  /** Stack traces on failure. */
  debug: boolean;
  /** False with `--no-color`; NO_COLOR and piping are handled by `colorEnabled`. */
  color: boolean;
}

export interface CliContext {
  io: CliIo;
  /** Set by the command that ran; `main` returns it. */
  exitCode: number;
}

/** Reads the global options as commander parsed them for `command` (declared on the root program). */
export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{ json?: boolean; debug?: boolean; color?: boolean }>();
  return { json: opts.json === true, debug: opts.debug === true, color: opts.color !== false };
}
