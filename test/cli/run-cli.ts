import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { type ChildRun, childOutput } from "../child-output.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export type CliRun = ChildRun;

export interface RunOptions {
  /** Added to the test process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** The environment of a run: the test process's, colour off unless a test turns it on, then the test's own. */
function cliEnv(extra: RunOptions["env"], ci: Record<string, undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...ci, ...extra };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** What the CLI wrote to one stream, as text. Not a terminal: no colour, no progress, no width. */
class CollectedOutput extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs `sdmodels …args` in this process through `main(argv, io)`: the same parsing, commands, output and exit code
 * as the bin, without starting Node again. Files handed to `inspect` and `install` are opened as given: pass them
 * absolute. Use {@link useBuiltCli} only where the process itself is the point.
 */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new CollectedOutput();
  const stderr = new CollectedOutput();
  const code = await main([process.execPath, "sdmodels", ...args], {
    stdout,
    stderr,
    env: cliEnv(options.env),
    cwd: options.cwd ?? REPO,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export interface ChildRunOptions extends RunOptions {
  /**
   * Run on a pseudo-terminal of this many columns, through util-linux `script` (stdout and stderr both arrive
   * in `stdout`, with CRLF line ends). Check {@link HAS_SCRIPT} first.
   */
  ttyColumns?: number;
  /**
   * Kill the child (SIGKILL) after this many milliseconds, so a test of a run that must not block fails instead of
   * hanging the suite. A killed run ends with `code: null`.
   */
  killAfterMs?: number;
}

/** Whether util-linux `script` is there to give the CLI a real terminal. */
export const HAS_SCRIPT = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/**
 * For the test file that calls it: a runner for `node bin/sdmodels.js …` from the run's one build (see
 * useBuiltCheckout), for what only a real process shows: the bin, its exit status, a real terminal.
 */
export function useBuiltCli(): (args: readonly string[], options?: ChildRunOptions) => Promise<CliRun> {
  const checkout = useBuiltCheckout();
  return (args, options = {}) => {
    // A terminal run stands for a person at a terminal: ora draws nothing animated when it sees CI set, as CI does.
    const env = cliEnv(options.env, options.ttyColumns === undefined ? {} : { CI: undefined });
    const command = [process.execPath, join(checkout(), "bin/sdmodels.js"), ...args];
    const [file, ...argv] =
      options.ttyColumns === undefined
        ? command
        : [
            "script",
            "-qec",
            `stty cols ${options.ttyColumns} rows 24; exec ${command.map(shellQuote).join(" ")}`,
            "/dev/null",
          ];
    const child = spawn(file!, argv, {
      cwd: options.cwd ?? REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.killAfterMs === undefined ? {} : { timeout: options.killAfterMs, killSignal: "SIGKILL" as const }),
    });
    return childOutput(child);
  };
}
