import type { Command } from "commander";

/**
 * Where a command writes: the process's stdout or stderr, or a test's collector. A terminal says so with `isTTY` and
 * its width with `columns`; colour, progress and table width are decided from these, never from the process.
 */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Everything a command reads from or writes to its process: `main` passes the process's own, tests pass their own
 * so that the CLI runs in-process.
 */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  /**
   * Where a WebUI is looked for when none is named, what `sort` and `download --to` resolve against, and what the
   * human report shows paths relative to. The files handed to `inspect` and `install` are opened as given, so an
   * in-process caller passes them absolute.
   */
  cwd: string;
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
