import { createHash, type Hash } from "node:crypto";
import { openRegularFile } from "../read/open-regular-file.js";
import { safetensorsDataOffset } from "../read/sniff.js";
import { CHUNK_BYTES, type ChunkRing, readChunks } from "./read-chunks.js";
import { AUTOV3_THREAD_MIN_BYTES, SHA256_WORKER_URL, type Sha256Thread, startSha256Thread } from "./sha256-thread.js";

/** The hashes Civitai and the WebUIs identify a file by, as lower-case hex. */
export interface FileHashes {
  /** Full-file SHA-256, 64 hex. */
  sha256: string;
  /** A1111 "Model hash" / Civitai AutoV2: the first 10 hex of the SHA-256. */
  autov2: string;
  /** A1111 legacy hash: SHA-256 of 64 KiB at 1 MiB, first 8 hex; null below 2 MiB, as Civitai's scanner does. */
  autov1: string | null;
  /** addnet hash: SHA-256 of a safetensors file's bytes after its header, first 12 hex; null for other files. */
  autov3: string | null;
  size: number;
}

export interface HashFileOptions {
  onProgress?(done: number, total: number): void;
  /**
   * Whether the AutoV3 stream of a safetensors file runs on its own thread. By default it does when that stream is at
   * least {@link AUTOV3_THREAD_MIN_BYTES}; `true`/`false` force it (the tests compare both paths on small files).
   * Run from TypeScript sources there is no compiled worker, and it never does.
   */
  autov3Thread?: boolean;
}

/**
 * Read buffers when the AutoV3 stream has its own thread: 32 MiB of shared memory, ~20 ms of hashing. Each buffer
 * neither thread is hashing has a read in flight, so when both cores are busy hashing and the read thread gets a core
 * late, or the worker falls a few chunks behind, there are chunks queued and no thread waits. Measured on a 2 GiB
 * safetensors file, CLI against openssl at high priority on a loaded 2-core machine: 4 buffers 2.24–3.24 s, 8
 * 2.13–2.24 s, 16 2.16–2.29 s (openssl 1.97–2.13 s).
 */
export const AUTOV3_RING_SLOTS = 8;

/** A1111 `model_hash` reads 0x10000 bytes at 0x100000 (modules/sd_models.py). */
const AUTOV1_OFFSET = 0x100000;
const AUTOV1_LENGTH = 0x10000;
/** civitai/model-scanner HashTask.cs returns no AutoV1 for files shorter than 0x100000 × 2. */
const AUTOV1_MIN_FILE_SIZE = 0x100000 * 2;
const AUTOV2_DIGITS = 10;
const AUTOV3_DIGITS = 12;
const AUTOV1_DIGITS = 8;

/** What showed a file changed while it was hashed: its size (when opened, and read or seen at the end), or a write. */
export type HashedFileChange = { field: "size"; opened: number; end: number } | { field: "mtime" };

export class FileChangedError extends Error {
  readonly code = "file-changed";
  constructor(
    readonly path: string,
    readonly change: HashedFileChange,
  ) {
    const detail =
      change.field === "size"
        ? `${change.opened} bytes when opened, ${change.end} at the end`
        : "written to: its modification time moved";
    super(`${path} changed while being hashed (${detail})`);
    this.name = "FileChangedError";
  }
}

/** Feeds `hash` the part of `chunk` (which starts at file offset `at`) that lies in `[from, to)`. */
function feedRange(hash: Hash, chunk: Buffer, at: number, from: number, to: number): void {
  const start = Math.max(from, at);
  const end = Math.min(to, at + chunk.length);
  if (start < end) hash.update(chunk.subarray(start - at, end - at));
}

/**
 * Node names the file in errors from `open` but not from `read` ("EISDIR: illegal operation on a directory, read");
 * the path is added so the one error line says which file failed. Class and `code` stay as they were.
 */
function namingPath(error: unknown, path: string): unknown {
  const errno = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof errno.code !== "string" || errno.path !== undefined) return error;
  errno.message = `${path}: ${errno.message}`;
  errno.path = path;
  return error;
}

/** Shared read buffers a worker can hash in place, and the slot-release wait that goes with them. */
function sharedRing(thread: () => Sha256Thread | null): { ring: ChunkRing; slots: SharedArrayBuffer[] } {
  const slots = Array.from({ length: AUTOV3_RING_SLOTS }, () => new SharedArrayBuffer(CHUNK_BYTES));
  return {
    slots,
    ring: { buffers: slots.map((slot) => Buffer.from(slot)), whenFree: async (index) => thread()?.whenFree(index) },
  };
}

/**
 * SHA-256, AutoV1, AutoV2 and AutoV3 of a file in one streamed read. On a safetensors file the whole-file and AutoV3
 * streams are two full-length SHA-256 computations; the AutoV3 one runs on a worker thread over the same shared read
 * buffers (never a second read, never a copy), so the two take two cores instead of doubling the time on one.
 */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<FileHashes> {
  const { handle, info } = await openRegularFile(path);
  let thread: Sha256Thread | null = null;
  try {
    const { size } = info;
    const maybeThreaded = SHA256_WORKER_URL !== null && (options.autov3Thread ?? size >= AUTOV3_THREAD_MIN_BYTES);
    const shared = maybeThreaded ? sharedRing(() => thread) : null;
    const whole = createHash("sha256");
    const legacy = size >= AUTOV1_MIN_FILE_SIZE ? createHash("sha256") : null;
    let addnet: Hash | null = null;
    let dataOffset = Infinity;
    let at = 0;
    options.onProgress?.(0, size);
    try {
      let index = 0;
      for await (const chunk of readChunks(handle, 0, size, CHUNK_BYTES, shared?.ring)) {
        if (at === 0) {
          const offset = safetensorsDataOffset(chunk, size);
          if (offset !== null) {
            dataOffset = offset;
            const threaded = shared && (options.autov3Thread ?? size - offset >= AUTOV3_THREAD_MIN_BYTES);
            if (threaded && SHA256_WORKER_URL) thread = startSha256Thread(path, shared.slots, SHA256_WORKER_URL);
            else addnet = createHash("sha256");
          }
        }
        whole.update(chunk);
        if (legacy) feedRange(legacy, chunk, at, AUTOV1_OFFSET, AUTOV1_OFFSET + AUTOV1_LENGTH);
        if (addnet) feedRange(addnet, chunk, at, dataOffset, size);
        if (thread) {
          const start = Math.max(dataOffset, at) - at;
          if (start < chunk.length) thread.update(index % AUTOV3_RING_SLOTS, start, chunk.length);
        }
        at += chunk.length;
        index++;
        options.onProgress?.(at, size);
      }
    } catch (error) {
      throw namingPath(error, path);
    }
    // Reads run ahead of the hash, so the last bytes may have been read before the file shrank, and reading stops at
    // the size it had when opened, so growth is never read; a write in place changes no size at all. Only the file's
    // state now says the digest is of bytes it no longer holds, or of a mix of two versions.
    const now = await handle.stat();
    if (at !== size || now.size !== size)
      throw new FileChangedError(path, { field: "size", opened: size, end: now.size !== size ? now.size : at });
    if (now.mtimeMs !== info.mtimeMs) throw new FileChangedError(path, { field: "mtime" });
    const sha256 = whole.digest("hex");
    const autov3 = thread ? await thread.digest() : addnet?.digest("hex");
    return {
      sha256,
      autov2: sha256.slice(0, AUTOV2_DIGITS),
      autov1: legacy ? legacy.digest("hex").slice(0, AUTOV1_DIGITS) : null,
      autov3: autov3 === undefined ? null : autov3.slice(0, AUTOV3_DIGITS),
      size,
    };
  } finally {
    await Promise.all([handle.close(), thread?.stop()]);
  }
}
