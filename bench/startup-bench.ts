import { fileURLToPath } from "node:url";
import { runChild } from "./child-run.js";
import { formatMs, formatRatio, met, type Row } from "./results.js";
import { timeInterleaved } from "./timing.js";

const CLI_BIN = fileURLToPath(new URL("../../bin/sdmodels.js", import.meta.url));
/** A committed sample of a few kB: inspecting it costs next to nothing, so what is measured is start-up. */
const SMALL_FILE = fileURLToPath(new URL("../../fixtures/samples/EasyNegative.safetensors", import.meta.url));

/**
 * Runs of each command, taken in turns with `node -e 0`: start-up is tens of milliseconds and easily disturbed,
 * and the best of many runs is the one the machine disturbed least.
 */
const RUNS = 15;

/** The goals of the start-up work, as multiples of starting Node itself, measured in the same run. */
const GOAL_VERSION_RATIO = 2;
const GOAL_INSPECT_RATIO = 3;

/** One start of `node args…`; a failing run would time an error path, so it stops the section. */
async function start(args: readonly string[]): Promise<void> {
  const result = await runChild(process.execPath, args, { ...process.env, NO_COLOR: "1" });
  if (result.exitCode !== 0) {
    throw new Error(`node ${args.join(" ")} exited ${result.exitCode}: ${result.stderr.trim().split("\n")[0]}`);
  }
}

/**
 * How long the CLI takes to start, against `node -e 0`: `--version` loads only the command definitions, and
 * `inspect` of a small file loads the readers and the classifier but not the network, Civitai or install code.
 */
export async function benchStartup(): Promise<Row[]> {
  const [node, version, inspect] = await timeInterleaved(RUNS, [
    { run: () => start(["-e", "0"]) },
    { run: () => start([CLI_BIN, "--version"]) },
    { run: () => start([CLI_BIN, "inspect", SMALL_FILE]) },
  ]);
  const row = (figure: string, best: number, goal: number): Row => ({
    figure,
    value: formatMs(best),
    baseline: `node -e 0 ${formatMs(node!.best)}`,
    ratio: formatRatio(best / node!.best),
    goal: `≤ ${goal}×`,
    met: met(best / node!.best <= goal),
  });
  return [
    row(`sdmodels --version (best of ${RUNS})`, version!.best, GOAL_VERSION_RATIO),
    row(`sdmodels inspect <small file> (best of ${RUNS})`, inspect!.best, GOAL_INSPECT_RATIO),
  ];
}
