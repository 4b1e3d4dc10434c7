import { fileURLToPath } from "node:url";
import { type ChildResult, GNU_TIME, isExecutable, runChild, runChildWithRss } from "./child-run.js";

/** The repository root: this file runs as dist/bench/cli.js. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI_BIN = fileURLToPath(new URL("../../bin/sdmodels.js", import.meta.url));
/** Runs the CLI's `main` in-process and records `process.resourceUsage().maxRSS`, for machines without GNU time. */
const RSS_WRAPPER = fileURLToPath(new URL("./cli-with-rss.js", import.meta.url));
/** The wrapper prints its peak RSS as the last stderr line, after this tag. */
export const RSS_TAG = "sdmodels-bench-maxrss-kb=";

export interface CliRunner {
  /** How peak RSS is measured, for the report. */
  rssMethod: string;
  /** `env` is added to the bench's own environment. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ChildResult>;
}

export async function cliRunner(): Promise<CliRunner> {
  const environment = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, NO_COLOR: "1", ...extra });
  if (await isExecutable(GNU_TIME)) {
    return {
      rssMethod: `${GNU_TIME} -v`,
      run: (args, env) => runChildWithRss(process.execPath, [CLI_BIN, ...args], environment(env)),
    };
  }
  return {
    rssMethod: "process.resourceUsage().maxRSS in a wrapper around the CLI's main()",
    async run(args, env) {
      const result = await runChild(process.execPath, [RSS_WRAPPER, ...args], environment(env));
      const at = result.stderr.lastIndexOf(RSS_TAG);
      if (at < 0) return result;
      return {
        ...result,
        stderr: result.stderr.slice(0, at),
        maxRssBytes: Number.parseInt(result.stderr.slice(at + RSS_TAG.length), 10) * 1024,
      };
    },
  };
}

/**
 * Why `sdmodels <command>` cannot be benchmarked yet, or null when it exists. Asking for the command's help is
 * side-effect free, and commander answers an unknown command with a usage error.
 */
export async function missingCommand(command: string): Promise<string | null> {
  const result = await runChild(process.execPath, [CLI_BIN, command, "--help"]);
  if (result.exitCode === 0) return null;
  const reason = result.stderr.trim().split("\n")[0] || `exit code ${result.exitCode}`;
  return `sdmodels ${command} is not available (${reason})`;
}
