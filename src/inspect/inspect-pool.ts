import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fileInspectError } from "./io-error.js";
import { buildSafetyReport } from "./safety-report.js";
import type { Inspection } from "./types.js";

export interface PoolRequest {
  index: number;
  path: string;
}
export type PoolReply<T> =
  | { kind: "done"; index: number; result: T }
  | { kind: "threw"; index: number; error: unknown };

/**
 * Fewest files worth a pool. A worker loads the readers before its first file (~0.1–0.2 s of a core under load),
 * and the median file inspects in ~3 ms, so `inspect` of a few files stays on the calling thread and keeps its
 * start-up. From here up a worker pays for itself in memory: its young generation is capped, the calling thread's
 * is not (V8 grows it to 2 × 16 MB semi-spaces), so 51 torch files peaked at ~95–105 MB on one worker against
 * ~109–114 MB in-thread, in about the same time.
 */
export const POOL_MIN_FILES = 32;

/**
 * Files each worker must have to share before another is started: a second worker adds its own heap to the peak
 * RSS (~35 MB more on 51 files) and its start-up, which only a batch of this size earns back in time.
 */
const FILES_PER_WORKER = 64;

/**
 * Results a worker may deliver ahead of the consumer, per worker: enough that no worker waits on a slow file
 * before it, few enough that undelivered results (an inspection holds its tensor list) stay a bounded amount of memory.
 */
const AHEAD_PER_WORKER = 4;

/**
 * Young generation of each worker's heap, in MB. V8's default (up to 3 × 16 MB semi-spaces on 64-bit) lets every
 * worker hold tens of MB of short-lived tensor lists between scavenges; at 8 MB peak RSS of `sort --dry-run` over
 * 1,000 files fell from ~332 to ~283 MB with no slower run (4 MB: ~265 MB but ~20 % more CPU). Only the young
 * generation is bounded: an old-generation cap would turn a large but legitimate header into a crashed worker.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * Old generation of each worker's heap, in MB. Uncapped, a worker's old generation fills with promoted per-file
 * garbage to several times what it keeps before V8 compacts it, and two workers' peaks set the process's peak RSS.
 * An ordinary header needs a few MB; a file that needs more than this (a huge but legitimate header) is not
 * refused: it is inspected again on a worker with V8's default heap, so no file's result depends on this cap.
 */
const WORKER_OLD_GENERATION_MB = 64;

/**
 * What the pool does with each path: `run` on a worker thread started from `workerUrl` (a script that hands the same
 * `run` to {@link servePoolRequests}), or on the calling thread when there is no compiled script or too few files.
 */
export interface PoolWork<T> {
  workerUrl: URL | null;
  run(path: string): Promise<T>;
  /** The result for a file whose worker died while working on it (out of memory, a native crash). */
  crashed(path: string, detail: string): T;
}

export interface PoolOptions {
  /** Called as each file's result is awaited, in order: the same progress the one-at-a-time loop gave. */
  onFile?(index: number, total: number, path: string): void;
  /**
   * Most threads inspecting at once (`--jobs`): 1 keeps every file on the calling thread, N > 1 allows up to N
   * workers in place of one per core (see {@link poolWorkerCount}). Default: one per core.
   */
  jobs?: number;
  /** Exactly this many worker threads, whatever the batch size (a test seam); {@link jobs} 1 still wins. */
  workers?: number;
  /** Fewest files run on workers; default {@link POOL_MIN_FILES}. */
  poolMinFiles?: number;
  /** Old-generation cap of the pool's workers; default {@link WORKER_OLD_GENERATION_MB}. */
  oldGenerationMb?: number;
}

/**
 * `inspectPath` for a {@link PoolWork}'s `run` on the calling thread: the readers and the pickle interpreter load on
 * the first file inspected there, so a run whose files all go to workers never loads them twice.
 */
export async function inspectPathHere(path: string): Promise<Inspection> {
  const { inspectPath } = await import("./diffusers-folder.js");
  return inspectPath(path);
}

/** The result for a file whose worker died while inspecting it (out of memory, a native crash): never "safe". */
export function crashedInspection(path: string, detail: string): Inspection {
  const error = fileInspectError("inspect-crashed", path, `inspection stopped: ${detail}`);
  return {
    path,
    format: "unknown",
    size: 0,
    tensors: [],
    metadata: null,
    values: {},
    safety: buildSafetyReport([{ severity: "suspicious", code: error.code, message: error.message }], []),
    error,
    bytesRead: 0,
  };
}

/**
 * `work.run` of every path, yielded in the order given. Batches of {@link POOL_MIN_FILES} or more are spread over
 * worker threads as {@link poolWorkerCount} sizes them (up to one per core by default): headers parse and pickles
 * are interpreted on every core while the caller takes the results in order. What `run` throws is rethrown at that file; a worker that dies mid-file yields `work.crashed`
 * for that file and is replaced. Every worker is stopped when the caller finishes or stops.
 */
export async function* runEach<T>(
  paths: readonly string[],
  work: PoolWork<T>,
  options: PoolOptions = {},
): AsyncGenerator<T> {
  const workerCount = poolWorkerCount(paths.length, options);
  const { workerUrl } = work;
  if (workerUrl === null || workerCount < 1) {
    for (const [index, path] of paths.entries()) {
      options.onFile?.(index, paths.length, path);
      yield await work.run(path);
    }
    return;
  }
  const pool = new WorkerPool(
    paths,
    workerCount,
    workerUrl,
    work.crashed,
    options.oldGenerationMb ?? WORKER_OLD_GENERATION_MB,
  );
  try {
    for (const [index, path] of paths.entries()) {
      options.onFile?.(index, paths.length, path);
      yield await pool.result(index);
    }
  } finally {
    await pool.stop();
  }
}

/**
 * Worker threads for a batch of `files`, 0 meaning the calling thread inspects them: none below `poolMinFiles` or
 * with `jobs` 1; else one per {@link FILES_PER_WORKER} files, at most `jobs` or, without it, one per core.
 */
export function poolWorkerCount(
  files: number,
  options: Pick<PoolOptions, "jobs" | "workers" | "poolMinFiles">,
  cores = availableParallelism(),
): number {
  if (files < (options.poolMinFiles ?? POOL_MIN_FILES) || options.jobs === 1) return 0;
  if (options.workers !== undefined) return Math.min(options.workers, files);
  return Math.min(options.jobs ?? cores, Math.ceil(files / FILES_PER_WORKER));
}

type Settled<T> = { ok: true; result: T } | { ok: false; error: unknown };

/** Hands paths to idle workers, at most a window ahead of the consumer, and keeps each result until it is taken. */
class WorkerPool<T> {
  private readonly settled = new Map<number, Settled<T>>();
  private readonly waiting = new Map<number, () => void>();
  private readonly busy = new Map<Worker, number>();
  private readonly idle: Worker[] = [];
  private next = 0;
  private consumed = 0;
  private stopped = false;

  constructor(
    private readonly paths: readonly string[],
    private readonly workerCount: number,
    private readonly workerUrl: URL,
    private readonly crashed: (path: string, detail: string) => T,
    private readonly oldGenerationMb: number,
  ) {
    for (let i = 0; i < workerCount; i++) this.idle.push(this.spawn());
    this.dispatch();
  }

  async result(index: number): Promise<T> {
    this.consumed = index;
    this.dispatch();
    let settled = this.settled.get(index);
    if (settled === undefined) {
      await new Promise<void>((resolve) => this.waiting.set(index, resolve));
      settled = this.settled.get(index) as Settled<T>;
    }
    this.settled.delete(index);
    this.consumed = index + 1;
    this.dispatch();
    if (!settled.ok) throw settled.error;
    return settled.result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.idle, ...this.busy.keys()].map((worker) => worker.terminate()));
  }

  /** A worker with the capped heap, or with V8's default old generation (`capped` false) for a file that needs it. */
  private spawn(capped = true): Worker {
    const worker = new Worker(this.workerUrl, {
      resourceLimits: {
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        ...(capped ? { maxOldGenerationSizeMb: this.oldGenerationMb } : {}),
      },
    });
    worker.on("message", (reply: PoolReply<T>) => {
      this.busy.delete(worker);
      this.idle.push(worker);
      this.settle(
        reply.index,
        reply.kind === "done" ? { ok: true, result: reply.result } : { ok: false, error: reply.error },
      );
    });
    // An error event is followed by exit; the file in hand is settled once, at exit.
    let failure = "";
    let outOfMemory = false;
    worker.on("error", (error) => {
      failure = error.message;
      outOfMemory = (error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
    });
    worker.on("exit", (code) => {
      if (this.stopped) return;
      const index = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (capped && outOfMemory && index !== undefined) {
        // Over the cap, not broken: the file goes again to a worker with the default heap, which then stays in the
        // pool in place of this one. Only a file that kills that worker too is reported as crashed.
        const retry = this.spawn(false);
        this.busy.set(retry, index);
        const request: PoolRequest = { index, path: this.paths[index] as string };
        retry.postMessage(request);
        return;
      }
      // A worker that dies at load dies with a file in hand (one is sent at once): each death settles a file.
      if (index !== undefined || this.next < this.paths.length) this.idle.push(this.spawn());
      if (index !== undefined) {
        const path = this.paths[index] as string;
        this.settle(index, {
          ok: true,
          result: this.crashed(path, failure || `worker thread exited with code ${code}`),
        });
      }
    });
    return worker;
  }

  private settle(index: number, result: Settled<T>): void {
    this.settled.set(index, result);
    this.waiting.get(index)?.();
    this.waiting.delete(index);
    this.dispatch();
  }

  private dispatch(): void {
    const limit = Math.min(this.paths.length, this.consumed + this.workerCount * AHEAD_PER_WORKER);
    while (!this.stopped && this.next < limit && this.idle.length > 0) {
      const worker = this.idle.pop() as Worker;
      const index = this.next++;
      this.busy.set(worker, index);
      const request: PoolRequest = { index, path: this.paths[index] as string };
      worker.postMessage(request);
    }
  }
}
