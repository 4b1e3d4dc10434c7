import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { poolWorkerCount } from "../src/inspect/inspect-pool.js";
import type { ChildResult } from "./child-run.js";
import { type CliRunner, cliRunner, missingCommand } from "./cli.js";
import type { BenchContext } from "./context.js";
import { writeFakeA1111 } from "./data/fake-webui.js";
import { writeSmallFilesFolder } from "./data/small-files-folder.js";
import { formatBytes, formatMs, formatRatio, met, type Row, skippedRow } from "./results.js";

/** The memory goal for sorting a 1,000-file folder: planning keeps headers, never file contents. */
const GOAL_MAX_RSS_BYTES = 150e6;
/**
 * Runs of each command over the 1,000-file folder, the pool's and `--jobs 1`'s taken in turns so a machine that
 * slows down mid-way slows both: the best of 3 is the least disturbed run. Each run walks and inspects the whole
 * folder (5–12 s on 2 cores), so 3 keeps the section within the bench's time budget.
 */
const SORT_RUNS = 3;
/**
 * What the pool must give over one thread on `sort --dry-run` (issue 14): on 2 cores two workers inspect at once,
 * less what stays serial on the main thread (start-up, walking, planning, output).
 */
const GOAL_POOL_SPEEDUP = 1.8;
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
  /** The least CPU time of the runs (every thread), when measured: what the work costs whatever the load. */
  cpuMs: number | null;
}

/**
 * Each command's best wall time and highest peak RSS over `runs` rounds, the commands taking turns within a round;
 * a run that fails or prints no JSON is an error.
 */
async function measureInTurns(
  cli: CliRunner,
  context: BenchContext,
  commands: readonly (readonly string[])[],
  runs: number,
): Promise<Measured[]> {
  const measured: Measured[] = commands.map(() => ({ wallMs: Infinity, maxRssBytes: null, cpuMs: null }));
  for (let i = 0; i < runs; i++) {
    for (const [c, args] of commands.entries()) {
      const result = await runOnce(cli, context, args);
      const m = measured[c] as Measured;
      m.wallMs = Math.min(m.wallMs, result.wallMs);
      if (result.maxRssBytes !== null) m.maxRssBytes = Math.max(m.maxRssBytes ?? 0, result.maxRssBytes);
      if (result.cpuMs !== null) m.cpuMs = Math.min(m.cpuMs ?? Infinity, result.cpuMs);
    }
  }
  return measured;
}

async function measure(
  cli: CliRunner,
  context: BenchContext,
  args: readonly string[],
  runs: number,
): Promise<Measured> {
  const [measured] = await measureInTurns(cli, context, [args], runs);
  return measured as Measured;
}

async function runOnce(cli: CliRunner, context: BenchContext, args: readonly string[]): Promise<ChildResult> {
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
  return result;
}

/**
 * The pool against `--jobs 1` over the same folder in the same run: wall-time speed-up of the pool, with the CPU each
 * spent (on a loaded machine extra threads get no extra CPU, and the wall time follows the CPU).
 */
function poolRow(figure: string, pool: Measured, oneThread: Measured, workers: number, goal: number | null): Row {
  const speedup = oneThread.wallMs / pool.wallMs;
  const details = (...parts: (string | null)[]) => parts.filter((p) => p !== null).join(", ");
  const cpu = (m: Measured) => (m.cpuMs === null ? null : `CPU ${formatMs(m.cpuMs)}`);
  const best = `best of ${SORT_RUNS}`;
  return {
    figure,
    value: `${formatMs(pool.wallMs)} (${details(`${workers} worker${workers === 1 ? "" : "s"}`, cpu(pool), best)})`,
    baseline: `--jobs 1 ${formatMs(oneThread.wallMs)} (${details(cpu(oneThread), best)})`,
    ratio: formatRatio(speedup),
    goal: goal === null ? "n/a" : `≥ ${formatRatio(goal)} one thread`,
    met: goal === null ? "n/a" : met(speedup >= goal),
  };
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
  context.log(
    `sort: ${SORT_RUNS} runs each of sort --dry-run and inspect --json over ${files} files, pool and --jobs 1 in turns`,
  );
  const sortArgs = ["sort", dir, "--webui", root, "--dry-run", "--json"];
  const inspectArgs = ["inspect", dir, "--json"];
  const [sort, sortOne, inspect, inspectOne] = (await measureInTurns(
    cli,
    context,
    [sortArgs, [...sortArgs, "--jobs", "1"], inspectArgs, [...inspectArgs, "--jobs", "1"]],
    SORT_RUNS,
  )) as [Measured, Measured, Measured, Measured];
  const floor = await measure(cli, context, ["--version"], 1);
  const after = (await readdir(dir)).length;
  if (after !== before) throw new Error(`sort --dry-run changed ${dir}: ${before} entries before, ${after} after`);

  // The CLI sizes its pool for this machine as the bench does here.
  const workers = poolWorkerCount(files, {});
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
    poolRow(`sort --dry-run, ${files} files: pool vs one thread`, sort, sortOne, workers, GOAL_POOL_SPEEDUP),
    poolRow(`inspect --json, ${files} files: pool vs one thread`, inspect, inspectOne, workers, null),
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
