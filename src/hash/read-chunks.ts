import type { FileHandle } from "node:fs/promises";

/**
 * Read size for streaming a whole file. Measured on a 1.5 GiB file in the page cache (2 cores, SHA-NI):
 * 1 MiB 1.31 GiB/s, 4 MiB 1.40 GiB/s, 8 MiB 1.37 GiB/s, 16 MiB 1.37 GiB/s with two buffers in flight, against
 * `openssl dgst -sha256` at 1.0–1.1 GiB/s. Two 4 MiB buffers are all the memory a hash of any file size costs.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** The buffers {@link readChunks} reads into, in turn: chunk n goes into `buffers[n % buffers.length]`. */
export interface ChunkRing {
  buffers: readonly Buffer[];
  /** Resolves once `buffers[index]` may be overwritten (another thread may still be hashing the chunk it holds). */
  whenFree(index: number): Promise<void>;
}

/** Two private buffers: the caller is done with a chunk when it asks for the next one. */
function ownRing(chunkBytes: number): ChunkRing {
  return { buffers: [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)], whenFree: async () => {} };
}

/**
 * Yields consecutive chunks of `[start, end)` read into the buffers of `ring` (by default two reused buffers): the
 * next read is already in flight while the caller consumes the current chunk, so disk and CPU overlap. A yielded
 * chunk is valid until its buffer comes round again (with the default ring: until the caller asks for the next one).
 * Stops early (without error) if the file is shorter than `end`.
 */
export async function* readChunks(
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes = CHUNK_BYTES,
  ring: ChunkRing = ownRing(chunkBytes),
): AsyncGenerator<Buffer, void, undefined> {
  const { buffers } = ring;
  let count = 0;
  let position = start;
  const readNext = async () => {
    const index = count++ % buffers.length;
    const at = position;
    await ring.whenFree(index);
    const buffer = buffers[index] as Buffer;
    return handle.read(buffer, 0, Math.min(buffer.length, Math.max(0, end - at)), at);
  };
  let pending = readNext();
  for (;;) {
    const { bytesRead, buffer } = await pending;
    if (bytesRead === 0) return;
    position += bytesRead;
    pending = readNext();
    yield buffer.subarray(0, bytesRead);
  }
}
