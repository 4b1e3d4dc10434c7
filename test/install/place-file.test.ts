import { appendFileSync } from "node:fs";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { placeFile } from "../../src/install/place-file.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

/** A few copy chunks: the content is a header then a hole, like the sparse model fixtures. */
const MULTI_CHUNK_BYTES = 20 * 1024 * 1024 + 123;

describe("placeFile by copy", () => {
  it("copies every byte of a file of several chunks and reports progress up to its size", async () => {
    const dir = await tempDir();
    const source = join(dir, "model.bin");
    await writeFile(source, "header bytes");
    await truncate(source, MULTI_CHUNK_BYTES);
    const progress: number[] = [];
    const result = await placeFile(source, join(dir, "copy.bin"), { keepSource: true, onBytes: (copied) => progress.push(copied) });
    expect(result).toEqual({ method: "copy" });
    expect((await readFile(join(dir, "copy.bin"))).equals(await readFile(source))).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(MULTI_CHUNK_BYTES);
    expect((await readdir(dir)).sort()).toEqual(["copy.bin", "model.bin"]);
  });

  it("refuses a source that grows while it is copied, and leaves no copy or temp file behind", async () => {
    const dir = await tempDir();
    const source = join(dir, "growing.bin");
    await writeFile(source, "");
    await truncate(source, MULTI_CHUNK_BYTES);
    let grown = false;
    const copying = placeFile(source, join(dir, "copy.bin"), {
      keepSource: true,
      onBytes: () => {
        // After the first chunk: the next read is already in flight, the ones after it see the new length.
        if (!grown) appendFileSync(source, "appended while copying");
        grown = true;
      },
    });
    await expect(copying).rejects.toMatchObject({ code: "ESOURCECHANGED" });
    expect(await readdir(dir)).toEqual(["growing.bin"]);
  });
});
