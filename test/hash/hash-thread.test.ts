import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { truncateSync } from "node:fs";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { safetensorsHeader } from "../../fixtures/safetensors-writer.js";
import { AUTOV3_RING_SLOTS } from "../../src/hash/hash-file.js";
import { CHUNK_BYTES } from "../../src/hash/read-chunks.js";
import { useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";

// The AutoV3 stream's worker is a compiled script (dist/src/hash/sha256-worker.js): these tests run the build.
const checkout = useBuiltCheckout();
const tempDir = useTempDirs();
const run = promisify(execFile);

type HashFileModule = typeof import("../../src/hash/hash-file.js");
type ThreadModule = typeof import("../../src/hash/sha256-thread.js");
const builtModule = <T>(path: string): Promise<T> =>
  import(pathToFileURL(join(checkout(), "dist/src/hash", path)).href);

/** The header of a safetensors file whose data region is `dataBytes` bytes, with `metadataBytes` of metadata. */
const headerFor = (dataBytes: number, metadataBytes: number) =>
  safetensorsHeader(dataBytes > 0 ? [{ name: "w", shape: [dataBytes], dtype: "U8" }] : [], {
    filler: "x".repeat(metadataBytes),
  }).header;

/** How much metadata puts the data region of a `dataBytes` file at `dataOffset` (a multiple of 8, as headers pad). */
function metadataBytesFor(dataOffset: number, dataBytes: number): number {
  const guess = dataOffset - 8 - headerFor(dataBytes, 0).length;
  for (let metadataBytes = guess; metadataBytes < guess + 8; metadataBytes++)
    if (8 + headerFor(dataBytes, metadataBytes).length === dataOffset) return metadataBytes;
  throw new Error(`no header puts the data at ${dataOffset}`);
}

/** A safetensors file whose data region is `dataBytes` random bytes, with `metadataBytes` of header metadata. */
async function writeRandomSafetensors(
  dir: string,
  name: string,
  dataBytes: number,
  metadataBytes = 0,
): Promise<{ path: string; data: Buffer }> {
  const header = headerFor(dataBytes, metadataBytes);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  const data = randomBytes(dataBytes);
  const path = join(dir, name);
  await writeFile(path, Buffer.concat([prefix, header, data]));
  return { path, data };
}

const MiB = 1024 * 1024;

describe("hashFile with the AutoV3 stream on its own thread", () => {
  // Each case puts a chunk, header or file end where an off-by-one in the ring (which slot, which range of it, when
  // a slot is reused) would hash a byte twice, skip one, or hash a slot the next read is overwriting.
  const ring = AUTOV3_RING_SLOTS * CHUNK_BYTES;
  it.each([
    ["a file smaller than one read chunk", 1000, 0],
    ["a data region spanning more chunks than the shared ring has buffers", ring + 3 * CHUNK_BYTES + 7, 0],
    ["a header split across two read chunks", 3 * MiB, 5 * MiB],
    ["a zero-length data region", 0, 100],
    [
      "a header ending exactly where the first read chunk ends",
      3 * MiB + 1,
      metadataBytesFor(CHUNK_BYTES, 3 * MiB + 1),
    ],
    ["a header ending exactly where a later chunk ends", ring, metadataBytesFor(2 * CHUNK_BYTES, ring)],
    ["a file ending exactly where the ring wraps", ring - MiB, metadataBytesFor(MiB, ring - MiB)],
    ["a file one byte past the ring", ring - MiB + 1, metadataBytesFor(MiB, ring - MiB + 1)],
  ])("gives the single-thread digests for %s", async (_case, dataBytes, metadataBytes) => {
    const { hashFile } = await builtModule<HashFileModule>("hash-file.js");
    const { path, data } = await writeRandomSafetensors(await tempDir(), "model.safetensors", dataBytes, metadataBytes);
    const threaded = await hashFile(path, { autov3Thread: true });
    expect(threaded).toEqual(await hashFile(path, { autov3Thread: false }));
    expect(threaded.autov3).toBe(createHash("sha256").update(data).digest("hex").slice(0, 12));
  });

  it("refuses a file truncated after the ring read all of it ahead, instead of digesting bytes it no longer holds", async () => {
    const { hashFile, FileChangedError } = await builtModule<HashFileModule>("hash-file.js");
    // Fewer chunks than the ring has buffers: every read is in flight before the first chunk is hashed.
    const { path } = await writeRandomSafetensors(await tempDir(), "model.safetensors", 3 * CHUNK_BYTES);
    let truncated = false;
    const onProgress = (done: number) => {
      if (done > 0 && !truncated) {
        truncated = true;
        truncateSync(path, 1);
      }
    };
    await expect(hashFile(path, { autov3Thread: true, onProgress })).rejects.toBeInstanceOf(FileChangedError);
  });

  it("rejects with a HashThreadError naming the file when the worker fails", async () => {
    const { startSha256Thread, HashThreadError } = await builtModule<ThreadModule>("sha256-thread.js");
    const dir = await tempDir();
    const failing = join(dir, "failing-worker.mjs");
    await writeFile(
      failing,
      'import { parentPort } from "node:worker_threads";\n' +
        'parentPort.on("message", () => { throw new Error("disk on fire"); });\n',
    );
    const thread = startSha256Thread("/models/x.safetensors", [new SharedArrayBuffer(16)], pathToFileURL(failing));
    try {
      thread.update(0, 0, 16);
      const error = await thread.whenFree(0).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HashThreadError);
      expect((error as Error).message).toContain("/models/x.safetensors");
      expect((error as Error).message).toContain("disk on fire");
      await expect(thread.digest()).rejects.toBeInstanceOf(HashThreadError);
    } finally {
      await thread.stop();
    }
  });

  it("hashes on the thread booted before the file was known, and ends a spare no file took", async () => {
    const { hashFile } = await builtModule<HashFileModule>("hash-file.js");
    const { prestartSha256Thread, stopSpareSha256Thread } = await builtModule<ThreadModule>("sha256-thread.js");
    const dir = await tempDir();
    const { path, data } = await writeRandomSafetensors(dir, "model.safetensors", 9 * MiB + 3);
    prestartSha256Thread();
    const hashes = await hashFile(path, { autov3Thread: true });
    expect(hashes.autov3).toBe(createHash("sha256").update(data).digest("hex").slice(0, 12));
    expect(await stopSpareSha256Thread()).toBe(false);

    const plain = join(dir, "model.bin");
    await writeFile(plain, randomBytes(MiB));
    prestartSha256Thread();
    await hashFile(plain, { autov3Thread: true });
    expect(await stopSpareSha256Thread()).toBe(true);
  });

  it("boots a spare only for a file named as safetensors that is big enough to hash on it", async () => {
    const { prestartSha256ThreadFor, stopSpareSha256Thread, AUTOV3_THREAD_MIN_BYTES } =
      await builtModule<ThreadModule>("sha256-thread.js");
    const dir = await tempDir();
    const sparse = async (name: string, size: number) => {
      const path = join(dir, name);
      await writeFile(path, "");
      await truncate(path, size);
      return path;
    };
    const bigBin = await sparse("big.bin", AUTOV3_THREAD_MIN_BYTES);
    const smallTensors = await sparse("small.safetensors", AUTOV3_THREAD_MIN_BYTES - 1);
    const bigTensors = await sparse("big.SFT", AUTOV3_THREAD_MIN_BYTES);
    await prestartSha256ThreadFor([bigBin, smallTensors, join(dir, "missing.safetensors")]);
    expect(await stopSpareSha256Thread()).toBe(false);
    await prestartSha256ThreadFor([smallTensors, bigTensors]);
    expect(await stopSpareSha256Thread()).toBe(true);
  });

  it("leaves no thread behind: a process that hashed with it, whose worker failed, or whose spare no file took, exits on its own", async () => {
    const dir = await tempDir();
    const { path } = await writeRandomSafetensors(dir, "model.safetensors", 9 * MiB);
    const hashFileUrl = pathToFileURL(join(checkout(), "dist/src/hash/hash-file.js")).href;
    const threadUrl = pathToFileURL(join(checkout(), "dist/src/hash/sha256-thread.js")).href;
    const script = `
      const { hashFile } = await import(${JSON.stringify(hashFileUrl)});
      const { prestartSha256Thread, startSha256Thread } = await import(${JSON.stringify(threadUrl)});
      const hashes = await hashFile(${JSON.stringify(path)}, { autov3Thread: true });
      const failing = new URL("data:text/javascript,throw new Error('at start')");
      prestartSha256Thread(failing);
      const broken = startSha256Thread("x", [new SharedArrayBuffer(8)], failing);
      await broken.digest().catch((error) => console.log(error.name));
      prestartSha256Thread();
      console.log(hashes.autov3);
    `;
    await writeFile(join(dir, "hash-and-exit.mjs"), script);
    // A leaked worker keeps the event loop alive: the child would then be killed at the timeout, not exit 0.
    const { stdout } = await run(process.execPath, [join(dir, "hash-and-exit.mjs")], { timeout: 20_000 });
    expect(stdout.trim().split("\n")).toEqual(["HashThreadError", expect.stringMatching(/^[0-9a-f]{12}$/)]);
  });
});
