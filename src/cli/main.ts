import { CommanderError } from "commander";
import type { CliContext, CliIo } from "./context.js";
import { formatErrorLine } from "./errors.js";
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from "./exit-codes.js";
import { createProgram } from "./program.js";

/** The process's own streams, environment and working directory, read when `main` is called. */
function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * Runs the CLI and returns its exit code; never throws and never calls process.exit, so pending output is
 * flushed. Failures are one `sdmodels: <message>` line on stderr; `--debug` adds the stack.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  // `sdmodels inspect … | head` closes stdout early; the rest of the output has nowhere to go, which is fine.
  io.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  const context: CliContext = { io, exitCode: EXIT_OK };
  const program = createProgram(context);
  try {
    await program.parseAsync(argv);
    return context.exitCode;
  } catch (error) {
    // commander has already printed its own message (or the help / version it was asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr.write(formatErrorLine(error, program.opts().debug === true || argv.includes("--debug")));
    return exitCodeFor(error);
  }
}
