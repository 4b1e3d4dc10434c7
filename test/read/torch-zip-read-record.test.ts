import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bufferSource } from "../../src/read/byte-source.js";
import { peekRecord, readRecord } from "../../src/read/torch-zip-read-record.js";
import type { ZipEntry } from "../../src/read/zip.js";

/** An entry whose data sits at offset 0 of the buffer. */
function entry(data: Uint8Array, fields: Partial<ZipEntry>): ZipEntry {
  return {
    index: 0,
    nameBytes: Buffer.from("archive/data.pkl"),
    name: "archive/data.pkl",
    flags: 0x0808,
    method: 0,
    crc32: 0,
    compressedSize: data.length,
    uncompressedSize: data.length,
    localHeaderOffset: 0,
    dataOffset: 0,
    local: null,
    ...fields,
  };
}

describe("readRecord", () => {
  it("reads a stored record", async () => {
    const data = Buffer.from("little");
    expect(Buffer.from((await readRecord(bufferSource(data), entry(data, {}), 64)).bytes!).toString()).toBe("little");
  });

  it("inflates a deflated record of exactly its declared size", async () => {
    const plain = Buffer.from("x".repeat(1000));
    const packed = deflateRawSync(plain);
    const result = await readRecord(bufferSource(packed), entry(packed, { method: 8, uncompressedSize: 1000 }), 4096);
    expect(Buffer.from(result.bytes!).equals(plain)).toBe(true);
  });

  it("stops a deflate bomb at the declared size instead of inflating it", async () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    const source = bufferSource(bomb);
    const result = await readRecord(source, entry(bomb, { method: 8, uncompressedSize: 1000 }), 1024 * 1024);
    expect(result.problem).toMatch(/does not inflate within its declared 1000 bytes/);
    expect(source.bytesRead).toBe(bomb.length);
  });

  it("refuses a declared size above the cap before reading anything", async () => {
    const data = Buffer.alloc(10);
    const source = bufferSource(data);
    const result = await readRecord(source, entry(data, { method: 8, uncompressedSize: 1 << 30 }), 4096);
    expect(result.problem).toMatch(/more than the 4096-byte limit/);
    expect(source.bytesRead).toBe(0);
  });

  it("refuses a record that inflates short of its declared size, unknown methods and data past the end", async () => {
    const packed = deflateRawSync(Buffer.from("abc"));
    expect(
      (await readRecord(bufferSource(packed), entry(packed, { method: 8, uncompressedSize: 10 }), 64)).problem,
    ).toMatch(/inflates to 3 bytes, not the declared 10/);
    const data = Buffer.from("abc");
    expect((await readRecord(bufferSource(data), entry(data, { method: 12 }), 64)).problem).toMatch(/method 12/);
    expect((await readRecord(bufferSource(data), entry(data, { uncompressedSize: 50 }), 64)).problem).toMatch(
      /run past the end/,
    );
    expect((await readRecord(bufferSource(data), entry(data, { dataOffset: null }), 64)).problem).toMatch(
      /local header/,
    );
  });
});

describe("peekRecord", () => {
  it("returns the first bytes of stored and deflated records without reading the rest", async () => {
    const pickle = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(100_000, 0x4e)]);
    const stored = bufferSource(pickle);
    expect([...(await peekRecord(stored, entry(pickle, {}), 2))]).toEqual([0x80, 0x02]);
    expect(stored.bytesRead).toBe(2);
    const packed = deflateRawSync(pickle);
    const deflated = bufferSource(packed);
    expect([...(await peekRecord(deflated, entry(packed, { method: 8, uncompressedSize: pickle.length }), 2))]).toEqual(
      [0x80, 0x02],
    );
    expect(deflated.bytesRead).toBeLessThanOrEqual(64);
  });
});
