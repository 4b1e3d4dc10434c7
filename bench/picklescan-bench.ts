import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_FIXTURES } from "../fixtures/models/catalog.js";
import { writeModelFixture } from "../fixtures/write-model.js";
import { type ChildResult, GNU_TIME, isExecutable, runChildWithRss } from "./child-run.js";
import { cliRunner } from "./cli.js";
import type { BenchContext } from "./context.js";
import { formatBytes, formatMs, formatRatio, met, type Row, skippedRow } from "./results.js";

/** Alternating runs of each whole process; the best wall time and the highest peak RSS count. */
const RUNS = 3;
/** The goals: faster than picklescan (wall ratio below 1), and at most twice its peak memory. */
const GOAL_MAX_WALL_RATIO = 1;
const GOAL_MAX_RSS_RATIO = 2;
/** picklescan's summary line: proof it scanned the files rather than failing early. */
const SCANNED_LINE = /Scanned files: (\d+)/;

/** Every catalog model that ships as a torch file, in each torch container it ships in (sparse data). */
async function writeTorchFiles(dir: string): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let count = 0;
  for (const [n, fixture] of MODEL_FIXTURES.entries()) {
    for (const container of fixture.containers) {
      if (container === "safetensors") continue;
      await writeModelFixture(fixture, container, dir, `${n}-${container}-${fixture.fileName}`);
      count++;
    }
  }
  return count;
}

/**
 * picklescan (pure Python, run from a source tree) against `sdmodels inspect --json`, whole process against whole
 * process, on the same torch files: both read the pickles and judge their imports; sdmodels also lists tensors and
 * classifies. picklescan is not shipped or installed by the bench: PICKLESCAN_SRC names a checkout of it.
 */
export async function benchPicklescan(context: BenchContext): Promise<Row[]> {
  const wallFigure = "inspect --json vs picklescan, torch files: wall";
  const rssFigure = "inspect --json vs picklescan, torch files: peak RSS";
  const source = process.env.PICKLESCAN_SRC;
  const skip = (why: string) => [
    skippedRow(wallFigure, why, "< 1× picklescan"),
    skippedRow(rssFigure, why, "≤ 2× picklescan"),
  ];
  if (!source) return skip("set PICKLESCAN_SRC");
  if (!(await isExecutable(GNU_TIME))) return skip(`no ${GNU_TIME} for picklescan's peak RSS`);

  const dir = join(context.workDir, "torch-files");
  const files = await writeTorchFiles(dir);
  const cli = await cliRunner();
  const env = { ...process.env, PYTHONPATH: join(source, "src") };
  context.log(`picklescan: ${RUNS} alternating runs each over ${files} torch files`);
  let scan: ChildResult[] = [];
  let inspect: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    scan = [...scan, await runChildWithRss("python3", ["-m", "picklescan", "-p", dir], env)];
    inspect = [...inspect, await cli.run(["inspect", dir, "--json"])];
  }
  const scanned = SCANNED_LINE.exec(scan[0]?.stdout ?? "");
  if (!scanned) throw new Error(`picklescan printed no summary: ${(scan[0]?.stderr ?? "").trim().split("\n")[0]}`);
  if ((JSON.parse(inspect[0]?.stdout ?? "[]") as unknown[]).length !== files)
    throw new Error("sdmodels inspect did not report every file");

  const wall = (runs: ChildResult[]) => Math.min(...runs.map((r) => r.wallMs));
  const rss = (runs: ChildResult[]) => Math.max(...runs.map((r) => r.maxRssBytes ?? Number.NaN));
  const wallRatio = wall(inspect) / wall(scan);
  const rssRatio = rss(inspect) / rss(scan);
  return [
    {
      figure: `${wallFigure} (${files} files)`,
      value: formatMs(wall(inspect)),
      baseline: `picklescan ${formatMs(wall(scan))} (${scanned[1]} files scanned)`,
      ratio: formatRatio(wallRatio),
      goal: `< ${formatRatio(GOAL_MAX_WALL_RATIO)} picklescan`,
      met: met(wallRatio < GOAL_MAX_WALL_RATIO),
    },
    {
      figure: rssFigure,
      value: formatBytes(rss(inspect)),
      baseline: `picklescan ${formatBytes(rss(scan))}`,
      ratio: formatRatio(rssRatio),
      goal: `≤ ${formatRatio(GOAL_MAX_RSS_RATIO)} picklescan`,
      met: Number.isNaN(rssRatio) ? "skipped" : met(rssRatio <= GOAL_MAX_RSS_RATIO),
    },
  ];
}
