import { createHash } from "node:crypto";
import { appendFileSync, closeSync, openSync, truncateSync, utimesSync, writeSync } from "node:fs";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileChangedError, hashFile } from "../../src/hash/hash-file.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

describe("hashFile", () => {
  it("hashes 'hello world' like Civitai (no AutoV1 below 2 MiB, no AutoV3 for non-safetensors)", async () => {
    const path = join(await tempDir(), "hello.bin");
    await writeFile(path, "hello world");
    expect(await hashFile(path)).toEqual({
      sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
      autov2: "b94d27b993",
      autov1: null,
      autov3: null,
      size: 11,
    });
  });

  it("computes AutoV1 and AutoV2 of the 2 MiB i % 256 file", async () => {
    const path = join(await tempDir(), "ramp.bin");
    const bytes = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    await writeFile(path, bytes);
    const hashes = await hashFile(path);
    expect(hashes.autov1).toBe("7daca209");
    expect(hashes.autov2).toBe("91d3beb88a");
    expect(hashes.autov3).toBeNull();
  });

  it("computes AutoV3 of a safetensors file over the bytes after its header", async () => {
    const path = join(await tempDir(), "tiny.safetensors");
    const header =
      '{"__metadata__":{"ss_base_model_version":"sdxl_base_v1-0"},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(Buffer.byteLength(header)).toBe(112);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(112n);
    const data = Buffer.alloc(8);
    data.writeFloatLE(1, 0);
    data.writeFloatLE(2, 4);
    await writeFile(path, Buffer.concat([prefix, Buffer.from(header), data]));
    const hashes = await hashFile(path);
    expect(hashes.sha256).toBe("1a544d5acb9909c42c09aaeef9cd447d263c3676ff495c1e5d428be544ff6834");
    expect(hashes.autov3).toBe("b9c80b5adeca");
    expect(hashes.size).toBe(128);
  });

  it("gives a safetensors header starting with a space the AutoV3 inspect's safetensors reading implies", async () => {
    // JSON allows whitespace before the object; the reference loader parses it, and A1111's AutoV3 never looks at the
    // header at all: it hashes everything after the 8 + n bytes the length prefix names.
    const path = join(await tempDir(), "spaced.safetensors");
    const header = ' {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
    const data = Buffer.alloc(8);
    data.writeFloatLE(1, 0);
    data.writeFloatLE(2, 4);
    await writeFile(path, Buffer.concat([prefix, Buffer.from(header), data]));
    expect((await inspectFile(path)).format).toBe("safetensors");
    expect((await hashFile(path)).autov3).toBe(createHash("sha256").update(data).digest("hex").slice(0, 12));
  });

  it("does not mistake a file whose first 8 bytes claim more header than the file holds for safetensors", async () => {
    const path = join(await tempDir(), "fake.safetensors");
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1000n);
    await writeFile(path, Buffer.concat([prefix, Buffer.from('{"a":1}')]));
    expect((await hashFile(path)).autov3).toBeNull();
  });

  it("streams files larger than one read buffer and reports monotonic progress up to the size", async () => {
    const path = join(await tempDir(), "sparse.bin");
    const size = 9 * 1024 * 1024 + 123;
    await writeFile(path, "x");
    await truncate(path, size);
    const seen: Array<[number, number]> = [];
    const hashes = await hashFile(path, { onProgress: (done, total) => seen.push([done, total]) });
    const expected = (await import("node:crypto"))
      .createHash("sha256")
      .update(Buffer.concat([Buffer.from("x"), Buffer.alloc(size - 1)]))
      .digest("hex");
    expect(hashes.sha256).toBe(expected);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every(([, total]) => total === size)).toBe(true);
    expect(seen.map(([done]) => done)).toEqual([...seen.map(([done]) => done)].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual([size, size]);
  });

  // The read-ahead may already hold every byte of the file when it changes, so what is read cannot tell: a digest of
  // bytes the file no longer holds (or of part of what it now holds) must not be reported as the file's.
  it.each([
    ["grows", (path: string) => appendFileSync(path, "more")],
    ["shrinks after its bytes were read ahead", (path: string) => truncateSync(path, 1)],
    [
      "is written to in place, keeping its size",
      (path: string) => {
        const fd = openSync(path, "r+");
        writeSync(fd, "y", 0);
        closeSync(fd);
      },
    ],
  ])("refuses a file that %s while it is hashed", async (_case, change) => {
    const path = join(await tempDir(), "model.bin");
    await writeFile(path, "x");
    await truncate(path, 6 * 1024 * 1024);
    // A day back: a write moves the modification time however coarse the filesystem's clock is.
    const dayAgo = Date.now() / 1000 - 86_400;
    utimesSync(path, dayAgo, dayAgo);
    let changed = false;
    const hashing = hashFile(path, {
      onProgress: (done) => {
        // Synchronously, between two chunks: the change has landed before the hash goes on.
        if (done > 0 && !changed) {
          changed = true;
          change(path);
        }
      },
    });
    const error = await hashing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    expect((error as Error).message).toContain(`${path} changed while being hashed`);
  });

  it("refuses a directory without opening it, naming it", async () => {
    const dir = await tempDir();
    const error = (await hashFile(dir).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error.code).toBe("not-a-regular-file");
    expect(error.message).toBe(`${dir}: not a regular file but a directory`);
  });
});
