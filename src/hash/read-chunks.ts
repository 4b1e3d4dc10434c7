import type { FileHandle } from "node:fs/promises";

/**
 * Read size for streaming a whole file. Measured on a 1.5 GiB file in the page cache (2 cores, SHA-NI):
 * 1 MiB 1.31 GiB/s, 4 MiB 1.40 GiB/s, 8 MiB 1.37 GiB/s, 16 MiB 1.37 GiB/s with two buffers in flight, against
 * `openssl dgst -sha256` at 1.0–1.1 GiB/s. Two 4 MiB buffers are all the memory a hash of any file size costs.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Yields consecutive chunks of `[start, end)` read into two reused buffers: the next read is already in flight
 * while the caller consumes the current chunk, so disk and CPU overlap. A yielded chunk is valid only until the
 * caller asks for the next one. Stops early (without error) if the file is shorter than `end`.
 */
export async function* readChunks(
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<Buffer, void, undefined> {
  const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)] as const;
  let which: 0 | 1 = 0;
  let position = start;
  const readAt = (buffer: Buffer, at: number) =>
    handle.read(buffer, 0, Math.min(chunkBytes, Math.max(0, end - at)), at);
  let pending = readAt(buffers[0], position);
  for (;;) {
    const { bytesRead, buffer } = await pending;
    if (bytesRead === 0) return;
    position += bytesRead;
    which = which === 0 ? 1 : 0;
    pending = readAt(buffers[which], position);
    yield buffer.subarray(0, bytesRead);
  }
}
