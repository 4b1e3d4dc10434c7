import { mkdir, mkdtemp, rename, rm, stat, statfs, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { MODEL_FIXTURES } from "../fixtures/models/catalog.js";
import { writeModelFixture } from "../fixtures/write-model.js";
import { classifyInspection } from "../src/classify/classify-inspection.js";
import { hashFile } from "../src/hash/index.js";
import { inspectFile } from "../src/inspect/inspect-file.js";
import {
  applyPlan,
  DEFAULT_PLAN_OPTIONS,
  gatherSnapshot,
  type InstallPlan,
  type MoveEntry,
  planInstall,
  resolveWebui,
  type WebuiTarget,
} from "../src/install/index.js";
import { onPath, runChild } from "./child-run.js";
import type { BenchContext, RealFile } from "./context.js";
import { writeFakeA1111 } from "./data/fake-webui.js";
import { scaledFixture } from "./data/scaled-fixture.js";
import {
  formatBytes,
  formatMs,
  formatPercent,
  formatRateRange,
  formatRatio,
  mbPerSecond,
  met,
  type Row,
  skippedRow,
} from "./results.js";
import { type Sample, timeInterleaved } from "./timing.js";

/** Runs per install figure, taken in turns. */
const INSTALL_RUNS = 7;
/** Cross-disk copies of 2 GiB cost a second or two each; three show the spread. */
const COPY_RUNS = 3;
const SMALL_INSTALL_BYTES = 10e6;
const LARGE_INSTALL_BYTES = 10e9;
/** A second filesystem that is there on Linux: tmpfs, so the copy is not waiting on a disk. */
const OTHER_FILESYSTEM = "/dev/shm";
/** Free space the other filesystem must have beyond the two copies in flight. */
const FREE_SPACE_MARGIN = 256 * 1024 ** 2;
/** An 8 MiB read/write loop should lose little to cp's in-kernel copy. */
const GOAL_CP_RATIO = 0.9;
/** A run-to-run spread below this counts as noise even when the machine happened to be quiet. */
const NOISE_FLOOR = 0.1;
const CHECKPOINT_ID = "sd1-checkpoint-ldm-safetensors";

async function fakeA1111(root: string): Promise<WebuiTarget> {
  await writeFakeA1111(root);
  return resolveWebui({ webui: root, env: {}, cwd: root });
}

/** The plan the CLI would make for one file: inspected, classified, snapshotted, planned. */
async function planOne(
  source: string,
  target: WebuiTarget,
  copy: boolean,
): Promise<{ plan: InstallPlan; move: MoveEntry }> {
  const inspection = await inspectFile(source);
  const classification = classifyInspection(inspection);
  const candidate = {
    source,
    size: inspection.size,
    format: inspection.format,
    verdict: inspection.safety.verdict,
    error: inspection.error,
    classification,
  };
  const options = { ...DEFAULT_PLAN_OPTIONS, copy };
  const snapshot = await gatherSnapshot([candidate], target, options, {
    sha256: async (path) => (await hashFile(path)).sha256,
  });
  const plan = planInstall([candidate], target, options, snapshot);
  const entry = plan.entries[0];
  if (entry?.action !== "move") {
    const why = entry?.action === "skip" ? entry.reason.code : (entry?.action ?? "no entry");
    throw new Error(`${basename(source)} was not planned as a move (${why})`);
  }
  return { plan, move: entry };
}

async function applyExpecting(plan: InstallPlan, journalDir: string, method: "rename" | "copy"): Promise<void> {
  const report = await applyPlan(plan, { journalDir });
  const entry = report.entries[0];
  if (report.failure || entry?.status !== "done" || entry.method !== method) {
    throw new Error(`install did not ${method}: ${JSON.stringify(report.failure ?? entry)}`);
  }
}

async function sameDisk(context: BenchContext): Promise<Row[]> {
  const checkpoint = MODEL_FIXTURES.find((f) => f.id === CHECKPOINT_ID);
  if (!checkpoint) return [skippedRow("install same disk", `fixture ${CHECKPOINT_ID} missing`, "equal")];
  // A kept SDMODELS_BENCH_DIR still holds the last run's installs, which would now be planned as duplicates.
  const root = join(context.workDir, "webui-same-disk");
  await rm(root, { recursive: true, force: true });
  const target = await fakeA1111(root);
  const sourceDir = join(context.workDir, "install-sources");
  await mkdir(sourceDir, { recursive: true });
  const journalDir = join(context.workDir, "journal");

  const installJob = (label: string, bytes: number) => {
    const fixture = scaledFixture(checkpoint, bytes);
    let plan: InstallPlan | undefined;
    let installed: string | undefined;
    let size = 0;
    return {
      size: () => size,
      job: {
        async prepare() {
          if (installed) await rm(installed, { force: true });
          const source = await writeModelFixture(fixture, "safetensors", sourceDir, `install-${label}.safetensors`);
          size = (await stat(source)).size;
          const planned = await planOne(source, target, false);
          plan = planned.plan;
          installed = planned.move.destination;
        },
        run: () => applyExpecting(plan!, journalDir, "rename"),
      },
    };
  };
  const small = installJob("small", SMALL_INSTALL_BYTES);
  const large = installJob("large", LARGE_INSTALL_BYTES);

  // The floor: one rename(2) of a file of the same size in the same folders.
  const renameFrom = join(sourceDir, "rename-floor.bin");
  const renameTo = join(target.root, "rename-floor.bin");
  const renameJob = {
    async prepare() {
      await rm(renameTo, { force: true });
      await writeFile(renameFrom, "");
    },
    run: () => rename(renameFrom, renameTo),
  };
  context.log(
    `install: ${INSTALL_RUNS} same-disk installs ` +
      `each of ${formatBytes(SMALL_INSTALL_BYTES)} and ${formatBytes(LARGE_INSTALL_BYTES)}`,
  );
  const [smallSample, largeSample, renameSample] = (await timeInterleaved(INSTALL_RUNS, [
    small.job,
    large.job,
    renameJob,
  ])) as [Sample, Sample, Sample];
  const ratio = largeSample.best / smallSample.best;
  return [
    {
      figure: `applyPlan same disk, ${formatBytes(small.size())}`,
      value: `${formatMs(smallSample.best)} (spread ${formatPercent(smallSample.spread)})`,
      baseline: `fs.rename ${formatMs(renameSample.best)}`,
      ratio: formatRatio(smallSample.best / renameSample.best),
      goal: "n/a (journal + fsyncs)",
      met: "n/a",
    },
    {
      figure: `applyPlan same disk, ${formatBytes(large.size())}`,
      value: `${formatMs(largeSample.best)} (spread ${formatPercent(largeSample.spread)})`,
      baseline: `${formatBytes(small.size())} ${formatMs(smallSample.best)}`,
      ratio: formatRatio(ratio),
      goal: "equal (a rename)",
      met: met(Math.abs(ratio - 1) <= Math.max(NOISE_FLOOR, smallSample.spread, largeSample.spread)),
    },
  ];
}

/** Why a cross-filesystem copy cannot be measured here, or null. */
async function noOtherFilesystem(workDir: string, needed: number): Promise<string | null> {
  const other = await stat(OTHER_FILESYSTEM).catch(() => null);
  if (!other?.isDirectory()) return `${OTHER_FILESYSTEM} does not exist`;
  if (other.dev === (await stat(workDir)).dev) return `${OTHER_FILESYSTEM} is on the same filesystem as ${workDir}`;
  const free = await statfs(OTHER_FILESYSTEM).then(
    (s) => s.bavail * s.bsize,
    () => 0,
  );
  if (free < needed) return `${OTHER_FILESYSTEM} has ${formatBytes(free)} free, ${formatBytes(needed)} needed`;
  if (!(await onPath("cp"))) return "cp is not on PATH";
  return null;
}

async function crossDisk(context: BenchContext, file: RealFile): Promise<Row[]> {
  const figure = `applyPlan copy to another filesystem, ${formatBytes(file.size)}`;
  const goal = `≥ ${GOAL_CP_RATIO}× cp`;
  const missing = await noOtherFilesystem(context.workDir, 2 * file.size + FREE_SPACE_MARGIN);
  if (missing) return [skippedRow(figure, missing, goal)];
  const otherRoot = await mkdtemp(join(OTHER_FILESYSTEM, "sdmodels-bench-"));
  try {
    const target = await fakeA1111(join(otherRoot, "webui"));
    const { plan, move } = await planOne(file.path, target, true);
    const cpDestination = join(otherRoot, "cp-copy.safetensors");
    const journalDir = join(otherRoot, "journal");
    context.log(
      `install: ${COPY_RUNS} copies each by applyPlan and cp of ${formatBytes(file.size)} to ${OTHER_FILESYSTEM}`,
    );
    const [mine, cp] = (await timeInterleaved(COPY_RUNS, [
      { prepare: () => rm(move.destination, { force: true }), run: () => applyExpecting(plan, journalDir, "copy") },
      {
        prepare: () => rm(cpDestination, { force: true }),
        async run() {
          const result = await runChild("cp", [file.path, cpDestination]);
          if (result.exitCode !== 0) throw new Error(`cp failed: ${result.stderr.trim()}`);
        },
      },
    ])) as [Sample, Sample];
    const rate = (s: Sample) => ({ best: mbPerSecond(file.size, s.best), worst: mbPerSecond(file.size, s.worst) });
    const [m, c] = [rate(mine), rate(cp)];
    return [
      {
        figure,
        value: formatRateRange(m.best, m.worst, "MB/s"),
        baseline: `cp ${formatRateRange(c.best, c.worst, "MB/s")}`,
        ratio: formatRatio(m.best / c.best),
        goal,
        met: met(m.best / c.best >= GOAL_CP_RATIO),
      },
    ];
  } finally {
    await rm(otherRoot, { recursive: true, force: true });
  }
}

export async function benchInstall(context: BenchContext): Promise<Row[]> {
  return [...(await sameDisk(context)), ...(await crossDisk(context, context.realSafetensors))];
}
