import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFileSource } from "../../src/read/byte-source.js";
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

  it("refuses a directory", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sub"));
    await expect(openFileSource(join(dir, "sub"))).rejects.toThrow();
  });
});
