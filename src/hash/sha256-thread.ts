import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { Worker } from "node:worker_threads";
import { SAFETENSORS_EXTENSIONS } from "../model/ui-folders.js";
import { compiledWorkerScript } from "../worker-script.js";

export type Sha256ThreadRequest =
  | { kind: "buffers"; slots: SharedArrayBuffer[] }
  | { kind: "update"; slot: number; start: number; end: number }
  | { kind: "digest" };
export type Sha256ThreadReply = { kind: "hashed"; slot: number } | { kind: "digest"; hex: string };

/** The worker thread of a file's second SHA-256 stream failed or exited early; names the file being hashed. */
export class HashThreadError extends Error {
  readonly code = "hash-thread-failed";
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path}: the hashing thread failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HashThreadError";
  }
}

/**
 * Smallest AutoV3 stream hashed on a worker thread. Starting the worker costs ~20–40 ms (a fresh V8 isolate); at
 * ~1.4 GB/s per SHA-256 stream, hashing 64 MiB on the same thread costs about as much, so below this the thread
 * cannot pay for itself.
 */
export const AUTOV3_THREAD_MIN_BYTES = 64 * 1024 * 1024;

/** Null when running from TypeScript sources: hashFile then keeps both streams on the calling thread. */
export const SHA256_WORKER_URL = compiledWorkerScript(import.meta.url, "./sha256-worker.js");

/** A SHA-256 stream running on its own thread over ranges of shared buffers; see {@link startSha256Thread}. */
export interface Sha256Thread {
  /** Hashes `slots[slot][start, end)` on the worker; the slot is busy until {@link whenFree} resolves. */
  update(slot: number, start: number, end: number): void;
  /** Resolves once the worker no longer reads `slots[slot]`; rejects with a {@link HashThreadError} if it failed. */
  whenFree(slot: number): Promise<void>;
  /** The hex digest of everything fed; the worker exits after sending it. */
  digest(): Promise<string>;
  /** Stops the worker whatever its state (idempotent): called in a `finally`, so no thread outlives the hash. */
  stop(): Promise<void>;
}

/** A worker booted before any file needed it, and how it ended if it ended before one took it. */
interface SpareWorker {
  worker: Worker;
  url: string;
  ended: boolean;
  onEnd(): void;
}

let spare: SpareWorker | null = null;

/**
 * Boots a hashing worker now, for the next {@link startSha256Thread} to take. A worker takes ~30 ms to boot (a fresh
 * V8 isolate and Node's bootstrap); started when a file's header shows it is needed, that boot delays the file's
 * AutoV3 stream, and so the whole hash. A command that will hash starts one first, so the boot runs on the other
 * core while the command loads and opens its files. Until taken it does not keep the process alive; a command
 * that started one ends it with {@link stopSpareSha256Thread}.
 */
export function prestartSha256Thread(workerUrl: URL | null = SHA256_WORKER_URL): void {
  if (spare !== null || workerUrl === null) return;
  const started: SpareWorker = {
    worker: new Worker(workerUrl),
    url: workerUrl.href,
    ended: false,
    // A spare that fails is never taken (the stream starts a fresh worker), and never an uncaught error.
    onEnd: () => {
      started.ended = true;
    },
  };
  started.worker.on("error", started.onEnd).on("exit", started.onEnd).unref();
  spare = started;
}

/**
 * Boots the spare thread ({@link prestartSha256Thread}) when one of `paths` will likely use it: a file named as
 * safetensors of at least {@link AUTOV3_THREAD_MIN_BYTES}. Only a hint: the hash itself decides by content, and a
 * file the hint missed starts its thread when its header shows it needs one. A `.bin` or a small file would make
 * the boot ~70 ms of CPU and ~27 MB of peak RSS for nothing.
 */
export async function prestartSha256ThreadFor(paths: readonly string[], workerUrl = SHA256_WORKER_URL): Promise<void> {
  const named = paths.filter((path) => SAFETENSORS_EXTENSIONS.includes(extname(path).toLowerCase()));
  const sizes = await Promise.all(
    named.map((path) =>
      stat(path).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  if (sizes.some((size) => size >= AUTOV3_THREAD_MIN_BYTES)) prestartSha256Thread(workerUrl);
}

/** Ends the spare worker if no hash took it; resolves to whether there was one to end. */
export async function stopSpareSha256Thread(): Promise<boolean> {
  const unused = spare;
  spare = null;
  await unused?.worker.terminate();
  return unused !== null;
}

/** The spare worker if it runs `workerUrl` and is still alive, else a new one. */
function takeWorker(workerUrl: URL): Worker {
  const taken = spare;
  if (taken !== null && taken.url === workerUrl.href && !taken.ended) {
    spare = null;
    taken.worker.off("error", taken.onEnd).off("exit", taken.onEnd).ref();
    return taken.worker;
  }
  return new Worker(workerUrl);
}

/**
 * Starts a worker (or takes the one {@link prestartSha256Thread} booted) that keeps one SHA-256 stream over the
 * caller's shared buffers, so a file's two full-length streams (whole file and AutoV3) run on two cores from one
 * read pass. Errors of the worker (a throw, an exit before its digest) reject every pending and later call with a
 * {@link HashThreadError} naming `path`.
 */
export function startSha256Thread(path: string, slots: SharedArrayBuffer[], workerUrl: URL): Sha256Thread {
  const worker = takeWorker(workerUrl);
  const busy = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  let failure: HashThreadError | null = null;
  let digestWaiter: { resolve: (hex: string) => void; reject: (error: Error) => void } | null = null;
  let digested = false;

  const fail = (cause: unknown) => {
    failure ??= cause instanceof HashThreadError ? cause : new HashThreadError(path, cause);
    for (const entry of busy.values()) entry.resolve();
    digestWaiter?.reject(failure);
  };
  worker.on("message", (reply: Sha256ThreadReply) => {
    if (reply.kind === "hashed") {
      busy.get(reply.slot)?.resolve();
      busy.delete(reply.slot);
    } else {
      digested = true;
      digestWaiter?.resolve(reply.hex);
    }
  });
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (!digested) fail(new Error(`worker exited (code ${code}) before its digest`));
  });
  const post = (request: Sha256ThreadRequest) => worker.postMessage(request);
  post({ kind: "buffers", slots });

  return {
    update(slot, start, end) {
      if (failure) throw failure;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      busy.set(slot, { promise, resolve });
      post({ kind: "update", slot, start, end });
    },
    async whenFree(slot) {
      await busy.get(slot)?.promise;
      if (failure) throw failure;
    },
    digest() {
      if (failure) return Promise.reject(failure);
      return new Promise<string>((resolve, reject) => {
        digestWaiter = { resolve, reject };
        post({ kind: "digest" });
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
