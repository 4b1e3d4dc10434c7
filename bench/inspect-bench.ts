import { open, stat } from "node:fs/promises";
import { type FixtureContainer, MODEL_FIXTURES } from "../fixtures/models/catalog.js";
import { writeModelFixture } from "../fixtures/write-model.js";
import { inspectFile } from "../src/inspect/inspect-file.js";
import type { BenchContext } from "./context.js";
import { scaledFixture } from "./data/scaled-fixture.js";
import { formatBytes, formatCount, formatMs, formatPercent, formatRatio, met, type Row } from "./results.js";
import { type Sample, timeInterleaved, timeRuns } from "./timing.js";

/** The throughput goal for a folder of small model files, page cache warm. */
const GOAL_FILES_PER_SECOND = 1000;
/**
 * Torch zips per second on one thread in the run of 2026-12-01 (each local header read as its own promise, names
 * decoded per check): issue 14 asks for three times that, so this baseline is a fixed figure, not one of this run.
 */
const TORCH_ZIP_FILES_PER_SECOND_BEFORE = 91;
const GOAL_TORCH_ZIP_SPEEDUP = 3;
/** The goal for bytes read, as a fraction of the bytes in the files. */
const GOAL_BYTES_FRACTION = 0.0001;
/** What "read the start of the file" costs: the 64 KiB baseline. */
const HEAD_BYTES = 64 * 1024;
/** Files from this size up are the ones where reading headers only is the whole point. */
const LARGE_FILE_BYTES = 1e9;
/** Passes over the folder; each file's fastest pass counts (the first pass also warms JIT and page cache). */
const INSPECT_PASSES = 2;
/** Runs of the cheap baselines; they cost milliseconds, so more runs just steady them. */
const BASELINE_RUNS = 5;
/** Alternating runs of the 20 GB / 20 MB pair. */
const PAIR_RUNS = 7;
const PAIR_LARGE_BYTES = 20e9;
const PAIR_SMALL_BYTES = 20e6;
/** A run-to-run spread below this counts as noise even when the machine happened to be quiet. */
const NOISE_FLOOR = 0.1;

interface PassTotals {
  ms: number;
  byContainer: Map<FixtureContainer, { files: number; ms: number }>;
  bytesRead: number;
  bytes: number;
  largeBytesRead: number;
  largeBytes: number;
  /** safetensors files: bytes read, and the 8 + N bytes of their headers (the least any reader must read). */
  safetensorsRead: number;
  safetensorsHeaders: number;
}

async function inspectPasses(files: BenchContext["downloads"]["files"]): Promise<PassTotals> {
  const fastest = new Array<number>(files.length).fill(Infinity);
  const bytesRead = new Array<number>(files.length).fill(0);
  for (let pass = 0; pass < INSPECT_PASSES; pass++) {
    for (const [i, file] of files.entries()) {
      const start = performance.now();
      const inspection = await inspectFile(file.path);
      fastest[i] = Math.min(fastest[i]!, performance.now() - start);
      bytesRead[i] = inspection.bytesRead;
    }
  }
  const totals: PassTotals = {
    ms: 0,
    byContainer: new Map(),
    bytesRead: 0,
    bytes: 0,
    largeBytesRead: 0,
    largeBytes: 0,
    safetensorsRead: 0,
    safetensorsHeaders: 0,
  };
  for (const [i, file] of files.entries()) {
    totals.ms += fastest[i]!;
    const group = totals.byContainer.get(file.container) ?? { files: 0, ms: 0 };
    totals.byContainer.set(file.container, { files: group.files + 1, ms: group.ms + fastest[i]! });
    totals.bytesRead += bytesRead[i]!;
    totals.bytes += file.size;
    if (file.size >= LARGE_FILE_BYTES) {
      totals.largeBytesRead += bytesRead[i]!;
      totals.largeBytes += file.size;
    }
    if (file.container === "safetensors") {
      totals.safetensorsRead += bytesRead[i]!;
      totals.safetensorsHeaders += await safetensorsHeaderBytes(file.path);
    }
  }
  return totals;
}

async function readHead(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.read(Buffer.allocUnsafe(HEAD_BYTES), 0, HEAD_BYTES, 0);
  } finally {
    await handle.close();
  }
}

async function safetensorsHeaderBytes(path: string): Promise<number> {
  const handle = await open(path, "r");
  try {
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    return 8 + Number(prefix.readBigUInt64LE(0));
  } finally {
    await handle.close();
  }
}

const perSecond = (files: number, ms: number) => files / (ms / 1000);

/** The same checkpoint header at 20 GB and 20 MB: the time to inspect must not depend on the data it skips. */
async function checkpointPair(context: BenchContext, id: string, container: FixtureContainer): Promise<Row> {
  const fixture = MODEL_FIXTURES.find((f) => f.id === id);
  const figure = `inspect 20 GB vs 20 MB ${container} checkpoint`;
  const goal = "equal within noise";
  if (!fixture) return { figure, value: `fixture ${id} missing`, baseline: "—", ratio: "—", goal, met: "no" };
  const large = await writeModelFixture(
    scaledFixture(fixture, PAIR_LARGE_BYTES),
    container,
    context.workDir,
    `pair-large-${id}`,
  );
  const small = await writeModelFixture(
    scaledFixture(fixture, PAIR_SMALL_BYTES),
    container,
    context.workDir,
    `pair-small-${id}`,
  );
  const [largeSize, smallSize] = [(await stat(large)).size, (await stat(small)).size];
  await inspectFile(large);
  await inspectFile(small);
  const [big, little] = (await timeInterleaved(PAIR_RUNS, [
    { run: () => inspectFile(large) },
    { run: () => inspectFile(small) },
  ])) as [Sample, Sample];
  const ratio = big.best / little.best;
  const noise = Math.max(NOISE_FLOOR, big.spread, little.spread);
  return {
    figure,
    value: `${formatMs(big.best)} (${formatBytes(largeSize)}, spread ${formatPercent(big.spread)})`,
    baseline: `${formatMs(little.best)} (${formatBytes(smallSize)}, spread ${formatPercent(little.spread)})`,
    ratio: formatRatio(ratio),
    goal,
    met: met(Math.abs(ratio - 1) <= noise),
  };
}

export async function benchInspect(context: BenchContext): Promise<Row[]> {
  const files = context.downloads.files;
  const paths = files.map((f) => f.path);
  context.log(`inspect: ${INSPECT_PASSES} passes over ${files.length} files`);
  const totals = await inspectPasses(files);
  const statSample = await timeRuns(BASELINE_RUNS, async () => {
    for (const path of paths) await stat(path);
  });
  const headSample = await timeRuns(BASELINE_RUNS, async () => {
    for (const path of paths) await readHead(path);
  });

  const rate = perSecond(files.length, totals.ms);
  const rateText = `${formatCount(rate)} files/s`;
  const goal = `≥ ${formatCount(GOAL_FILES_PER_SECOND)} files/s`;
  const rows: Row[] = [
    {
      figure: `inspectFile, ${files.length} files, warm`,
      value: rateText,
      baseline: `fs.stat ${formatCount(perSecond(files.length, statSample.best))} files/s`,
      ratio: formatRatio(rate / perSecond(files.length, statSample.best)),
      goal,
      met: met(rate >= GOAL_FILES_PER_SECOND),
    },
    {
      figure: `inspectFile, ${files.length} files, warm`,
      value: rateText,
      baseline: `read 64 KiB ${formatCount(perSecond(files.length, headSample.best))} files/s`,
      ratio: formatRatio(rate / perSecond(files.length, headSample.best)),
      goal,
      met: met(rate >= GOAL_FILES_PER_SECOND),
    },
  ];
  for (const [container, group] of totals.byContainer) {
    const groupRate = perSecond(group.files, group.ms);
    rows.push({
      figure: `  of which ${group.files} ${container}`,
      value: `${formatCount(groupRate)} files/s`,
      baseline: `all files ${rateText}`,
      ratio: formatRatio(groupRate / rate),
      goal,
      met: met(groupRate >= GOAL_FILES_PER_SECOND),
    });
    if (container === "torch-zip") {
      rows.push({
        figure: `  ${group.files} torch-zip against the run of 2026-12-01`,
        value: `${formatCount(groupRate)} files/s`,
        baseline: `${TORCH_ZIP_FILES_PER_SECOND_BEFORE} files/s (fixed: that run's figure)`,
        ratio: formatRatio(groupRate / TORCH_ZIP_FILES_PER_SECOND_BEFORE),
        goal: `≥ ${GOAL_TORCH_ZIP_SPEEDUP}×`,
        met: met(groupRate >= GOAL_TORCH_ZIP_SPEEDUP * TORCH_ZIP_FILES_PER_SECOND_BEFORE),
      });
    }
  }
  rows.push(
    {
      figure: `bytes read, all ${files.length} files`,
      value: `${formatBytes(totals.bytesRead)} (${formatBytes(totals.bytesRead / files.length)}/file)`,
      baseline: `file sizes ${formatBytes(totals.bytes)}`,
      ratio: formatPercent(totals.bytesRead / totals.bytes),
      goal: `< ${formatPercent(GOAL_BYTES_FRACTION)}`,
      met: met(totals.bytesRead / totals.bytes < GOAL_BYTES_FRACTION),
    },
    {
      figure: `bytes read, files ≥ ${formatBytes(LARGE_FILE_BYTES)}`,
      value: formatBytes(totals.largeBytesRead),
      baseline: `file sizes ${formatBytes(totals.largeBytes)}`,
      ratio: formatPercent(totals.largeBytesRead / totals.largeBytes),
      goal: `< ${formatPercent(GOAL_BYTES_FRACTION)}`,
      met: met(totals.largeBytesRead / totals.largeBytes < GOAL_BYTES_FRACTION),
    },
  );
  rows.push({
    figure: "bytes read, safetensors files",
    value: formatBytes(totals.safetensorsRead),
    baseline: `their 8 + N header bytes ${formatBytes(totals.safetensorsHeaders)}`,
    ratio: formatRatio(totals.safetensorsRead / totals.safetensorsHeaders),
    goal: "n/a",
    met: "n/a",
  });
  context.log("inspect: 20 GB vs 20 MB checkpoints");
  rows.push(await checkpointPair(context, "sd1-checkpoint-ldm-safetensors", "safetensors"));
  rows.push(await checkpointPair(context, "sd1-checkpoint-inpaint", "torch-zip"));
  return rows;
}
