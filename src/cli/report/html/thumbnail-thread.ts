import { Worker } from "node:worker_threads";
import { compiledWorkerScript } from "../../../worker-script.js";
import type { DecodableHeader, Thumbnail, Undecodable } from "./thumbnail.js";

/**
 * Longest one preview may take to decode and shrink, in wall time. A 25 MP JPEG needs about 7 s of CPU in jpeg-js
 * (23 s of wall time on a 2-core machine at load 20); far past that a decoder is stuck on a pathological file, and
 * the report goes on without that preview.
 */
export const THUMBNAIL_DEADLINE_MS = 120_000;

export interface ThumbnailRequest {
  bytes: Uint8Array;
  header: DecodableHeader;
}

/** The decoder did not finish within the deadline and was stopped. */
export interface TimedOut {
  type: "timed-out";
  limitMs: number;
}

export interface Thumbnailer {
  /** The thumbnail of one preview, or why there is none. `bytes` is handed over: the caller must not reuse it. */
  thumbnail(bytes: Uint8Array, header: DecodableHeader): Promise<Thumbnail | Undecodable | TimedOut>;
  /** Stops the worker, if one runs (idempotent): called in a `finally`, so no thread outlives the report. */
  stop(): Promise<void>;
}

export interface ThumbnailerOptions {
  deadlineMs?: number;
  /** The worker script (a test swaps in one that hangs or crashes); null decodes on the calling thread. */
  workerUrl?: URL | null;
}

/** Null when running from TypeScript sources: previews are then decoded on the calling thread, with no deadline. */
const WORKER_URL = compiledWorkerScript(import.meta.url, "./thumbnail-worker.js");

/**
 * Decodes previews one at a time on a worker thread, each within a deadline: a preview past it gets `timed-out` and
 * its worker is terminated (the next preview starts a fresh one); a worker that dies gives `undecodable`.
 */
export async function startThumbnailer(options: ThumbnailerOptions = {}): Promise<Thumbnailer> {
  const workerUrl = options.workerUrl === undefined ? WORKER_URL : options.workerUrl;
  if (workerUrl === null) {
    const { makeThumbnail } = await import("./thumbnail.js");
    return { thumbnail: async (bytes, header) => makeThumbnail(bytes, header), stop: async () => {} };
  }
  const deadlineMs = options.deadlineMs ?? THUMBNAIL_DEADLINE_MS;
  let worker: Worker | null = null;
  const startWorker = (url: URL) => {
    const started = new Worker(url);
    // Between previews the worker only waits; should it fail or exit then, the next preview starts a fresh one
    // instead of the unhandled 'error' event ending the CLI.
    started
      .on("error", () => {})
      .on("exit", () => {
        if (worker === started) worker = null;
      });
    return started;
  };
  const stop = async () => {
    const running = worker;
    worker = null;
    await running?.terminate();
  };
  return {
    stop,
    thumbnail(bytes, header) {
      worker ??= startWorker(workerUrl);
      const current = worker;
      return new Promise((resolve) => {
        const finish = (result: Thumbnail | Undecodable | TimedOut) => {
          clearTimeout(timer);
          current.off("message", finish).off("error", failed).off("exit", exited);
          resolve(result);
        };
        const failed = (error: Error) => {
          if (worker === current) worker = null;
          finish({ type: "undecodable", detail: `the decoder stopped: ${error.message}` });
        };
        const exited = (code: number) => failed(new Error(`worker thread exited with code ${code}`));
        const timer = setTimeout(() => {
          finish({ type: "timed-out", limitMs: deadlineMs });
          if (worker === current) void stop();
        }, deadlineMs);
        current.on("message", finish).on("error", failed).on("exit", exited);
        const request: ThumbnailRequest = { bytes, header };
        current.postMessage(request, [bytes.buffer as ArrayBuffer]);
      });
    },
  };
}
