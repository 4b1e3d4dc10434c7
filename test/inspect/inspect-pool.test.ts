import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMixedFolder } from "../../fixtures/mixed-folder.js";
import { POOL_MIN_FILES, poolWorkerCount } from "../../src/inspect/inspect-pool.js";
import type { Inspection } from "../../src/inspect/types.js";
import { useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";

// The pool's workers run dist/src/app/inspect-file-worker.js: these tests use the build.
const checkout = useBuiltCheckout();
const tempDir = useTempDirs();

type FilesModule = typeof import("../../src/app/inspect-files.js");
type InspectedFileModule = typeof import("../../src/app/inspected-file.js");
type InspectModule = typeof import("../../src/inspect/inspect-file.js");
type CandidatesModule = typeof import("../../src/app/inspect-candidates.js");
type ClassifiedModule = typeof import("../../src/app/classified-inspection.js");
const built = <T>(path: string): Promise<T> => import(pathToFileURL(join(checkout(), "dist/src/inspect", path)).href);

/** The mixed folder, a path that does not exist and the folder itself, interleaved. */
async function writePoolInputs(dir: string): Promise<string[]> {
  const paths = [...(await writeMixedFolder(dir)), join(dir, "missing.ckpt"), dir];
  // Interleaved, so the order checked is not the order of sizes or kinds.
  return paths
    .map((p, i) => [p, (i * 7919) % paths.length] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([p]) => p);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("poolWorkerCount", () => {
  it("keeps a small batch, and every batch under jobs 1, on the calling thread", () => {
    expect(poolWorkerCount(POOL_MIN_FILES - 1, {}, 8)).toBe(0);
    expect(poolWorkerCount(100_000, { jobs: 1 }, 8)).toBe(0);
    expect(poolWorkerCount(100_000, { jobs: 1, workers: 2, poolMinFiles: 0 }, 8)).toBe(0);
  });

  it("starts one worker per 64 files, at most one per core, or at most jobs in place of the cores", () => {
    const sizes = [POOL_MIN_FILES, 64, 65, 128, 129, 1000];
    expect(sizes.map((files) => poolWorkerCount(files, {}, 2))).toEqual([1, 1, 2, 2, 2, 2]);
    expect(sizes.map((files) => poolWorkerCount(files, {}, 8))).toEqual([1, 1, 2, 2, 3, 8]);
    expect(sizes.map((files) => poolWorkerCount(files, { jobs: 2 }, 8))).toEqual([1, 1, 2, 2, 2, 2]);
    expect(sizes.map((files) => poolWorkerCount(files, { jobs: 4 }, 2))).toEqual([1, 1, 2, 2, 3, 4]);
  });
});

describe("inspectEach on worker threads", () => {
  let paths: string[] = [];
  let inProcess: Inspection[] = [];
  // What `inspect` reports of each file, made on the calling thread.
  let reported: unknown[] = [];
  // One folder for both tests (useTempDirs removes its folders after each test).
  let folder = "";
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "sdmodels-pool-"));
    paths = await writePoolInputs(folder);
    const { inspectFile } = await built<InspectModule>("inspect-file.js");
    const { inspectedFile } = await built<InspectedFileModule>("../app/inspected-file.js");
    inProcess = [];
    for (const path of paths) inProcess.push(await inspectFile(path));
    reported = inProcess.map(inspectedFile);
  }, 120_000);
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("yields, in the order given, exactly what inspectFile gives in-process, with the same progress", async () => {
    const { inspectEach } = await built<FilesModule>("../app/inspect-files.js");
    const progress: number[] = [];
    const pooled = await collect(
      inspectEach(paths, { workers: 2, poolMinFiles: 0, onFile: (index) => progress.push(index) }),
    );
    expect(pooled.map((f) => f.inspection.path)).toEqual(paths);
    expect(pooled).toEqual(reported);
    expect(progress).toEqual(paths.map((_, i) => i));
  });

  it("inspects a file again on a worker with the default heap when it outgrows the capped one", async () => {
    const { inspectEach } = await built<FilesModule>("../app/inspect-files.js");
    // A cap no worker can load its modules under: every file runs out of memory on a capped worker first.
    const pooled = await collect(inspectEach(paths, { workers: 2, poolMinFiles: 0, oldGenerationMb: 1 }));
    expect(pooled).toEqual(reported);
  });

  it("classifies on the workers for install and sort exactly as the calling thread would", async () => {
    const { inspectCandidates } = await built<CandidatesModule>("../app/inspect-candidates.js");
    const { classifiedInspection } = await built<ClassifiedModule>("../app/classified-inspection.js");
    expect(paths.length).toBeGreaterThanOrEqual(POOL_MIN_FILES);
    const pooled = await inspectCandidates(paths, undefined, { keepMetadata: true });
    expect(pooled.map(({ inspection, classification }) => ({ inspection, classification }))).toEqual(
      inProcess.map(classifiedInspection),
    );
  });

  it("gives a file whose worker dies an inspect-crashed error, and the other files their results", async () => {
    const { inspectEach } = await built<FilesModule>("../app/inspect-files.js");
    const dir = await tempDir();
    const crashing = join(dir, "crashing-worker.mjs");
    const realWorker = pathToFileURL(join(checkout(), "dist/src/app/inspect-file-worker.js")).href;
    await writeFile(
      crashing,
      // Both listeners attach before the first message is delivered; the real one starts, the second ends the thread.
      `import { parentPort } from "node:worker_threads";\nimport ${JSON.stringify(realWorker)};\n` +
        `parentPort.on("message", ({ index }) => { if (index % 5 === 2) process.exit(70); });\n`,
    );
    const pooled = await collect(
      inspectEach(paths, { workers: 2, poolMinFiles: 0, workerUrl: pathToFileURL(crashing) }),
    );
    expect(pooled.map((f) => f.inspection.path)).toEqual(paths);
    for (const [index, file] of pooled.entries()) {
      const { inspection } = file;
      if (index % 5 === 2) {
        expect(inspection.error).toEqual({
          code: "inspect-crashed",
          message: `${paths[index]}: inspection stopped: worker thread exited with code 70`,
          file: paths[index],
          problem: "inspection stopped: worker thread exited with code 70",
        });
        expect(inspection.safety.verdict).toBe("suspicious");
      } else {
        expect(file).toEqual(reported[index]);
      }
    }
  });
});
