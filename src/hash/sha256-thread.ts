import { Worker } from "node:worker_threads";
import { compiledWorkerScript } from "../worker-script.js";

/** Shared chunk buffers handed to the worker once, at start: chunks then cross threads as (slot, range) messages. */
export interface Sha256ThreadData {
  slots: SharedArrayBuffer[];
}

export type Sha256ThreadRequest = { kind: "update"; slot: number; start: number; end: number } | { kind: "digest" };
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

/**
 * Starts a worker that keeps one SHA-256 stream over the caller's shared buffers, so a file's two full-length
 * streams (whole file and AutoV3) run on two cores from one read pass. Errors of the worker (a throw, an exit before
 * its digest) reject every pending and later call with a {@link HashThreadError} naming `path`.
 */
export function startSha256Thread(path: string, slots: SharedArrayBuffer[], workerUrl: URL): Sha256Thread {
  const data: Sha256ThreadData = { slots };
  const worker = new Worker(workerUrl, { workerData: data });
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

  return {
    update(slot, start, end) {
      if (failure) throw failure;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      busy.set(slot, { promise, resolve });
      const request: Sha256ThreadRequest = { kind: "update", slot, start, end };
      worker.postMessage(request);
    },
    async whenFree(slot) {
      await busy.get(slot)?.promise;
      if (failure) throw failure;
    },
    digest() {
      if (failure) return Promise.reject(failure);
      return new Promise<string>((resolve, reject) => {
        digestWaiter = { resolve, reject };
        const request: Sha256ThreadRequest = { kind: "digest" };
        worker.postMessage(request);
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
