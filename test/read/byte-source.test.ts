import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFileSource, readRanges } from "../../src/read/byte-source.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

describe("openFileSource", () => {
  it("counts the bytes it hands out and stops at end of file", async () => {
    const dir = await tempDir();
    const path = join(dir, "f.bin");
    await writeFile(path, Buffer.from("0123456789"));
    const source = await openFileSource(path);
    try {
      expect(source.size).toBe(10);
      expect(Buffer.from(await source.read(2, 3)).toString()).toBe("234");
      expect(Buffer.from(await source.read(8, 100)).toString()).toBe("89");
      expect((await source.read(50, 4)).length).toBe(0);
      expect(source.bytesRead).toBe(5);
    } finally {
      await source.close();
    }
  });

  it("reads a batch of ranges as separate reads would, across event-loop turns and up to end of file", async () => {
    const dir = await tempDir();
    const path = join(dir, "f.bin");
    const content = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    await writeFile(path, content);
    // more ranges than one turn reads, some overlapping, one running past the end, one beyond it
    const ranges = Array.from({ length: 600 }, (_, i) => ({ offset: (i * 13) % 4000, length: 100 + (i % 5) }));
    ranges.push({ offset: 4090, length: 20 }, { offset: 5000, length: 4 });
    const source = await openFileSource(path);
    try {
      const batch = await readRanges(source, ranges);
      const wanted = ranges.map(({ offset, length }) => content.subarray(offset, offset + length));
      expect(batch.map((bytes) => Buffer.from(bytes).toString("hex"))).toEqual(wanted.map((b) => b.toString("hex")));
      expect(source.bytesRead).toBe(wanted.reduce((sum, b) => sum + b.length, 0));
      await expect(readRanges(source, [{ offset: -1, length: 4 }])).rejects.toThrow(RangeError);
    } finally {
      await source.close();
    }
  });

  it("refuses a directory", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sub"));
    await expect(openFileSource(join(dir, "sub"))).rejects.toThrow();
  });
});
