import { runChild } from "./child-run.js";
import { REPO_ROOT } from "./cli.js";
import { formatMs, formatRatio, met, type Row } from "./results.js";

/** The core issue's goal for the whole `npm test` (lint, one build, every test) on a 2-core machine. */
const GOAL_TEST_MS = 120_000;

/** vitest's summary line, e.g. `Tests  1599 passed | 3 skipped (1602)`, colours stripped. */
const TESTS_LINE = /Tests\s+(.+?\(\d+\))/;

/**
 * `npm test` as a developer or CI runs it, timed whole: the suite's speed is a goal of its own, and measuring it
 * here keeps it next to the figures it competes with for the same two cores. A failing suite fails the section.
 */
export async function benchTestSuite(): Promise<Row[]> {
  const result = await runChild("npm", ["test", "--prefix", REPO_ROOT], { ...process.env, NO_COLOR: "1", CI: "true" });
  if (result.exitCode !== 0) throw new Error(`npm test exited ${result.exitCode}`);
  const tests = TESTS_LINE.exec(result.stdout.replace(/\x1b\[[0-9;]*m/g, ""))?.[1] ?? "count not found";
  return [
    {
      figure: "npm test (Biome, one tsc build, every test)",
      value: `${formatMs(result.wallMs)} (${tests.replace(/\s+/g, " ")})`,
      baseline: `goal ${formatMs(GOAL_TEST_MS)}`,
      ratio: formatRatio(result.wallMs / GOAL_TEST_MS),
      goal: "< 2 min on 2 cores",
      met: met(result.wallMs < GOAL_TEST_MS),
    },
  ];
}
