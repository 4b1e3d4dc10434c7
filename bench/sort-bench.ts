import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ChildResult } from "./child-run.js";
import { type CliRunner, cliRunner, missingCommand } from "./cli.js";
import type { BenchContext } from "./context.js";
import { writeFakeA1111 } from "./data/fake-webui.js";
import { writeSmallFilesFolder } from "./data/small-files-folder.js";
import { formatBytes, formatMs, formatRatio, met, type Row, skippedRow } from "./results.js";

/** The memory goal for sorting a 1,000-file folder: planning keeps headers, never file contents. */
const GOAL_MAX_RSS_BYTES = 150e6;
/**
 * Each run walks and inspects the whole folder (10–20 s on 2 cores); one run keeps the bench within its time budget,
 * and peak memory does not need repeating.
 */
const SORT_RUNS = 1;
/**
 * The folder memory must stay flat over: 100 times the downloads folder, of small files (the ones a WebUI user has
 * by the thousand), so per-file costs dominate and any per-file retention shows.
 */
const MANY_FILES_DEFAULT = 100_000;
/** `SDMODELS_BENCH_MANY_FILES=10000` measures the flat-memory rows on a smaller folder when time is short. */
const MANY_FILES = Number(process.env.SDMODELS_BENCH_MANY_FILES ?? MANY_FILES_DEFAULT);
/** Peak RSS at {@link MANY_FILES} may exceed the 1,000-file figure by this fraction: flat within noise. */
const GOAL_FLAT_RSS = 1.1;

interface Measured {
  wallMs: number;
  maxRssBytes: number | null;
}

/** Best wall time and the highest peak RSS over the runs; a run that fails or prints no JSON is an error. */
async function measure(cli: CliRunner, context: BenchContext, args: string[], runs: number): Promise<Measured> {
  let wallMs = Infinity;
  let maxRssBytes: number | null = null;
  for (let i = 0; i < runs; i++) {
    // A fresh state folder: no hash cache from an earlier run or from the user's own sdmodels.
    const state = await mkdtemp(join(context.workDir, "state-"));
    let result: ChildResult;
    try {
      result = await cli.run(args, { SDMODELS_STATE_DIR: state });
    } finally {
      await rm(state, { recursive: true, force: true });
    }
    if (args.includes("--json")) {
      try {
        JSON.parse(result.stdout);
      } catch {
        throw new Error(
          `sdmodels ${args.join(" ")} exited ${result.exitCode} without JSON: ${result.stderr.trim().split("\n")[0]}`,
        );
      }
    }
    wallMs = Math.min(wallMs, result.wallMs);
    if (result.maxRssBytes !== null) maxRssBytes = Math.max(maxRssBytes ?? 0, result.maxRssBytes);
  }
  return { wallMs, maxRssBytes };
}

export async function benchSort(context: BenchContext): Promise<Row[]> {
  const files = context.downloads.files.length;
  const wallFigure = `sort --dry-run, ${files} files: wall`;
  const rssFigure = `sort --dry-run, ${files} files: peak RSS`;
  const rssGoal = `< ${formatBytes(GOAL_MAX_RSS_BYTES)}`;
  const missing = await missingCommand("sort");
  if (missing) return [skippedRow(wallFigure, missing, "n/a"), skippedRow(rssFigure, missing, rssGoal)];

  const cli = await cliRunner();
  const root = await writeFakeA1111(join(context.workDir, "webui-sort"));
  const dir = context.downloads.dir;
  const before = (await readdir(dir)).length;
  context.log(`sort: ${SORT_RUNS} run(s) each of sort --dry-run and inspect --json over ${files} files`);
  const sort = await measure(cli, context, ["sort", dir, "--webui", root, "--dry-run", "--json"], SORT_RUNS);
  const inspect = await measure(cli, context, ["inspect", dir, "--json"], SORT_RUNS);
  const floor = await measure(cli, context, ["--version"], 1);
  const after = (await readdir(dir)).length;
  if (after !== before) throw new Error(`sort --dry-run changed ${dir}: ${before} entries before, ${after} after`);

  const rss = (m: Measured) => (m.maxRssBytes === null ? "not measured" : formatBytes(m.maxRssBytes));
  const oneThousand: Row[] = [
    {
      figure: wallFigure,
      value: formatMs(sort.wallMs),
      baseline: `inspect --json ${formatMs(inspect.wallMs)}`,
      ratio: formatRatio(sort.wallMs / inspect.wallMs),
      goal: "n/a",
      met: "n/a",
    },
    {
      figure: rssFigure,
      value: rss(sort),
      baseline: `sdmodels --version ${rss(floor)}; inspect --json ${rss(inspect)}`,
      ratio:
        sort.maxRssBytes !== null && floor.maxRssBytes !== null
          ? formatRatio(sort.maxRssBytes / floor.maxRssBytes)
          : "—",
      goal: rssGoal,
      met: sort.maxRssBytes === null ? "skipped" : met(sort.maxRssBytes < GOAL_MAX_RSS_BYTES),
    },
  ];

  context.log(`sort: writing (or reusing) ${MANY_FILES} small files, then sort --dry-run over them`);
  const manyFigure = `sort --dry-run, ${MANY_FILES} small files`;
  let many: Awaited<ReturnType<typeof writeSmallFilesFolder>>;
  let sortMany: Measured;
  try {
    many = await writeSmallFilesFolder(join(context.workDir, "small-files"), MANY_FILES);
    const manyRoot = await writeFakeA1111(join(context.workDir, "webui-sort-many"));
    sortMany = await measure(cli, context, ["sort", many.dir, "--webui", manyRoot, "--dry-run", "--json"], 1);
  } catch (error) {
    // The large folder failing (or being stopped) must not take the 1,000-file figures with it.
    const why = `failed: ${(error as Error).message.slice(0, 160)}`;
    return [...oneThousand, skippedRow(`${manyFigure}: peak RSS`, why, `≤ ${formatRatio(GOAL_FLAT_RSS)} (flat)`)];
  }

  const perFile = (m: Measured, n: number) => m.wallMs / n;
  const flat =
    sortMany.maxRssBytes !== null && sort.maxRssBytes !== null ? sortMany.maxRssBytes / sort.maxRssBytes : null;
  const linear = perFile(sortMany, MANY_FILES) / perFile(sort, files);
  return [
    ...oneThousand,
    {
      figure: `${manyFigure}: peak RSS`,
      value: rss(sortMany),
      baseline: `${files} files ${rss(sort)}`,
      ratio: flat === null ? "—" : formatRatio(flat),
      goal: `≤ ${formatRatio(GOAL_FLAT_RSS)} (flat)`,
      met: flat === null ? "skipped" : met(flat <= GOAL_FLAT_RSS),
    },
    {
      figure: `${manyFigure}: time per file`,
      value:
        `${perFile(sortMany, MANY_FILES).toFixed(2)} ms ` +
        `(wall ${formatMs(sortMany.wallMs)}; ${many.templates} embedding/LoRA templates)`,
      baseline: `${files} files ${perFile(sort, files).toFixed(2)} ms`,
      ratio: formatRatio(linear),
      goal: "n/a (linear: per file no higher)",
      met: "n/a",
    },
  ];
}
