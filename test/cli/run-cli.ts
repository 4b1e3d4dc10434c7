import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { childOutput, type ChildRun } from "../child-output.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export type CliRun = ChildRun;

/**
 * Compiles the project once for this test file and returns a runner for `node bin/sdmodels.js …`. The build goes
 * to a private directory laid out like the package (bin/, dist/, package.json, node_modules), so test files
 * running in parallel never read a dist/ that another one is rewriting. tsc's exit status is not checked: it
 * still emits when files outside the CLI are mid-edit, and type errors are `tsc --noEmit`'s job.
 */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * Run on a pseudo-terminal of this many columns, through util-linux `script` (stdout and stderr both arrive
   * in `stdout`, with CRLF line ends). Check {@link HAS_SCRIPT} first.
   */
  ttyColumns?: number;
}

/** Whether util-linux `script` is there to give the CLI a real terminal. */
export const HAS_SCRIPT = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

export function useBuiltCli(): (args: readonly string[], options?: RunOptions) => Promise<CliRun> {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sdmodels-cli-build-"));
    spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(REPO, "tsconfig.json"), "--outDir", join(root, "dist")], {
      cwd: REPO,
      stdio: "ignore",
    });
    await stat(join(root, "dist/src/cli/main.js")); // the build must at least have produced the CLI
    await mkdir(join(root, "bin"));
    await copyFile(join(REPO, "bin/sdmodels.js"), join(root, "bin/sdmodels.js"));
    await copyFile(join(REPO, "package.json"), join(root, "package.json"));
    await symlink(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  }, 120_000);
  afterAll(async () => {
    if (root !== "") await rm(root, { recursive: true, force: true });
  });

  return (args, options = {}) => {
    // A terminal run stands for a person at a terminal: ora draws nothing animated when it sees CI set, as CI does.
    const ci = options.ttyColumns === undefined ? {} : { CI: undefined };
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...ci, ...options.env };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const command = [process.execPath, join(root, "bin/sdmodels.js"), ...args];
    const [file, ...argv] =
      options.ttyColumns === undefined
        ? command
        : ["script", "-qec", `stty cols ${options.ttyColumns} rows 24; exec ${command.map(shellQuote).join(" ")}`, "/dev/null"];
    const child = spawn(file!, argv, {
      cwd: options.cwd ?? REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return childOutput(child);
  };
}
