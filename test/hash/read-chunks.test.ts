import { randomBytes } from "node:crypto";
import { type FileHandle, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ChunkRing, readChunks } from "../../src/hash/read-chunks.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

/** A file of `size` random bytes, opened for reading; the test closes it. */
async function randomFile(size: number) {
  const bytes = randomBytes(size);
  const path = join(await tempDir(), "data.bin");
  await writeFile(path, bytes);
  return { bytes, handle: await open(path, "r") };
}

/** A ring whose buffers stay busy until the test frees them, as a hashing thread's do until it has hashed them. */
function heldRing(count: number, bytes: number) {
  const held = new Map<number, () => void>();
  const waits = new Map<number, Promise<void>>();
  const ring: ChunkRing = {
    buffers: Array.from({ length: count }, () => Buffer.alloc(bytes)),
    whenFree: async (index) => waits.get(index),
  };
  return {
    ring,
    hold(index: number) {
      waits.set(index, new Promise<void>((resolve) => held.set(index, resolve)));
    },
    free(index: number) {
      waits.delete(index);
      held.get(index)?.();
    },
  };
}

describe("readChunks", () => {
  it("reads ahead into every free buffer, never into one still held, and yields the bytes in order", async () => {
    const chunk = 1000;
    const { bytes, handle } = await randomFile(7 * chunk + 123);
    try {
      // The offsets read so far, in order: what the reader asked the file for, whatever the scheduling.
      const offsets: number[] = [];
      const logged = {
        read: (buffer: Buffer, offset: number, length: number, position: number) => {
          offsets.push(position);
          return handle.read(buffer, offset, length, position);
        },
      } as unknown as FileHandle;
      const { ring, hold, free } = heldRing(3, chunk);
      const chunks = readChunks(logged, 0, bytes.length, chunk, ring);
      const seen = [Buffer.from((await chunks.next()).value as Buffer)];
      // Chunk 0 goes on being hashed elsewhere: buffer 0 is busy until freed.
      hold(0);
      for (let i = 1; i < 3; i++) seen.push(Buffer.from((await chunks.next()).value as Buffer));
      expect(offsets).toEqual([0, 1, 2, 4].map((n) => n * chunk));
      // Chunk 3 belongs in buffer 0: no read of it while buffer 0 is held, and its bytes stay those of chunk 0.
      const fourth = chunks.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(offsets).not.toContain(3 * chunk);
      expect(ring.buffers[0]?.subarray(0, chunk).equals(seen[0] as Buffer)).toBe(true);
      free(0);
      seen.push(Buffer.from((await fourth).value as Buffer));
      for await (const rest of chunks) seen.push(Buffer.from(rest));
      expect(Buffer.concat(seen).equals(bytes)).toBe(true);
      expect(seen.map((piece) => piece.length)).toEqual([...Array(7).fill(chunk), 123]);
    } finally {
      await handle.close();
    }
  });

  it.each([
    ["a range past the end of the file", 5 * 1000 + 1, 9 * 1000],
    ["an unbounded range (as a copy reads)", 5 * 1000 + 1, Number.POSITIVE_INFINITY],
    ["a file that ends exactly at a chunk boundary", 5 * 1000, Number.POSITIVE_INFINITY],
    ["an empty file", 0, Number.POSITIVE_INFINITY],
  ])("stops at the end of the file for %s, with reads issued past it discarded", async (_case, size, end) => {
    const { bytes, handle } = await randomFile(size);
    try {
      const pieces: Buffer[] = [];
      for await (const piece of readChunks(handle, 0, end, 1000, heldRing(4, 1000).ring))
        pieces.push(Buffer.from(piece));
      expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it("reads from `start`, and a caller that stops early leaves no read running", async () => {
    const { bytes, handle } = await randomFile(10_000);
    try {
      for await (const piece of readChunks(handle, 2500, 10_000, 1000, heldRing(4, 1000).ring)) {
        expect(piece.equals(bytes.subarray(2500, 3500))).toBe(true);
        break;
      }
    } finally {
      await handle.close();
    }
  });

  it("rethrows a buffer that can never be freed (its thread failed) when that chunk's turn comes", async () => {
    const { handle } = await randomFile(10_000);
    try {
      const ring: ChunkRing = {
        buffers: [Buffer.alloc(1000), Buffer.alloc(1000)],
        whenFree: async (index) => {
          if (index === 1) throw new Error("thread failed");
        },
      };
      const sizes: number[] = [];
      const reading = (async () => {
        for await (const piece of readChunks(handle, 0, 10_000, 1000, ring)) sizes.push(piece.length);
      })();
      await expect(reading).rejects.toThrow("thread failed");
      expect(sizes).toEqual([1000]);
    } finally {
      await handle.close();
    }
  });
});
