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

/** One read of the ring: chunk `index` of the stream, `length` bytes asked for at file offset `at`. */
interface ChunkRead {
  index: number;
  at: number;
  length: number;
  done: Promise<number>;
}

/**
 * Yields consecutive chunks of `[start, end)` read into the buffers of `ring` (by default two reused buffers). Every
 * buffer the caller does not hold has a read in flight (once the ring says it is free), so reads run ahead of the
 * caller: with two buffers the next read overlaps the caller's work on the current chunk, and with a deeper ring a
 * reader thread that is late (both cores busy hashing) has chunks queued instead of keeping the hash waiting. A
 * yielded chunk is valid until its buffer comes round again (with the default ring: until the caller asks for the
 * next one). Stops early (without error) if the file is shorter than `end`; after a short read the reads issued past
 * it are discarded and reading goes on from where the file actually ended, as if they had never been issued.
 */
export async function* readChunks(
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes = CHUNK_BYTES,
  ring: ChunkRing = ownRing(chunkBytes),
): AsyncGenerator<Buffer, void, undefined> {
  const { buffers } = ring;
  const inFlight: ChunkRead[] = [];
  let count = 0;
  let position = start;
  const issue = () => {
    const index = count++;
    const buffer = buffers[index % buffers.length] as Buffer;
    const at = position;
    const length = Math.min(buffer.length, end - at);
    position += length;
    const done = ring.whenFree(index % buffers.length).then(async () => {
      const { bytesRead } = await handle.read(buffer, 0, length, at);
      return bytesRead;
    });
    // Awaited in turn; until then a failure must not count as unhandled (it is rethrown when its turn comes).
    done.catch(() => {});
    inFlight.push({ index, at, length, done });
  };
  const settleAll = async () => {
    await Promise.allSettled(inFlight.map((read) => read.done));
    inFlight.length = 0;
  };
  try {
    for (;;) {
      while (inFlight.length < buffers.length && position < end) issue();
      const read = inFlight.shift();
      if (read === undefined) return;
      const bytesRead = await read.done;
      if (bytesRead === 0) return;
      if (bytesRead < read.length) {
        await settleAll();
        count = read.index + 1;
        position = read.at + bytesRead;
      }
      yield (buffers[read.index % buffers.length] as Buffer).subarray(0, bytesRead);
    }
  } finally {
    // A caller that stops early (or a failed read) leaves reads in flight: none may land in a buffer after this.
    await settleAll();
  }
}
