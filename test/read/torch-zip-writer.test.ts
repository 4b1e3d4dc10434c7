import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32OfZeros, defaultRoot, writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();
const PICKLE = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);

describe("writeTorchZip lays records out as torch.save does", () => {
  it("writes data-descriptor local headers padded with an FB extra to 64-byte data offsets", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, { dataPkl: PICKLE, storages: [{ key: "0", byteSize: 12 }] });
    const bytes = await readFile(path);
    expect(written.entries.map((e) => e.name.slice("model/".length))).toEqual([
      "data.pkl",
      ".format_version",
      ".storage_alignment",
      "byteorder",
      "data/0",
      "version",
      ".data/serialization_id",
    ]);
    for (const entry of written.entries) {
      const at = entry.localHeaderOffset;
      expect(bytes.readUInt32LE(at)).toBe(0x04034b50);
      expect(bytes.readUInt16LE(at + 4)).toBe(0); // version needed
      expect(bytes.readUInt16LE(at + 6)).toBe(0x0808);
      expect(bytes.readUInt16LE(at + 8)).toBe(0); // stored
      expect(bytes.subarray(at + 10, at + 26).every((b) => b === 0)).toBe(true); // time, date, crc, sizes
      const nameLength = bytes.readUInt16LE(at + 26);
      const extraLength = bytes.readUInt16LE(at + 28);
      expect(bytes.toString("latin1", at + 30, at + 30 + nameLength)).toBe(entry.name);
      const extra = bytes.subarray(at + 30 + nameLength, at + 30 + nameLength + extraLength);
      expect(extra.toString("latin1", 0, 2)).toBe("FB");
      expect(extra.readUInt16LE(2)).toBe(extraLength - 4);
      expect(extra.subarray(4).every((b) => b === 0x5a)).toBe(true);
      expect(entry.dataOffset).toBe(at + 30 + nameLength + extraLength);
      expect(entry.dataOffset % 64).toBe(0);
      const descriptor = entry.dataOffset + entry.compressedSize;
      expect(bytes.readUInt32LE(descriptor)).toBe(0x08074b50);
      expect(bytes.readUInt32LE(descriptor + 4)).toBe(entry.crc32);
      expect(bytes.readUInt32LE(descriptor + 8)).toBe(entry.compressedSize);
      expect(bytes.readUInt32LE(descriptor + 12)).toBe(entry.uncompressedSize);
    }
    const id = written.entries.at(-1)!;
    expect(bytes.toString("latin1", id.dataOffset, id.dataOffset + id.uncompressedSize)).toMatch(/^\d{40}$/);
    const version = written.entries.at(-2)!;
    expect(bytes.toString("latin1", version.dataOffset, version.dataOffset + 2)).toBe("3\n");
    // zip64 end record, locator, end record: what miniz writes in zip64 mode
    expect(bytes.readUInt32LE(bytes.length - 22)).toBe(0x06054b50);
    expect(bytes.readUInt32LE(bytes.length - 42)).toBe(0x07064b50);
    expect(bytes.readUInt32LE(bytes.length - 98)).toBe(0x06064b50);
  });

  it("keeps a > 4 GiB storage as a hole and describes it with zip64 fields", async () => {
    const path = join(await tempDir(), "big.ckpt");
    const big = 5 * 1024 ** 3;
    const written = await writeTorchZip(path, { dataPkl: PICKLE, storages: [{ key: "0", byteSize: big }] });
    const info = await stat(path);
    expect(info.size).toBe(written.size);
    expect(info.size).toBeGreaterThan(big);
    expect(info.blocks * 512).toBeLessThan(1024 * 1024);
    const data0 = written.entries.find((e) => e.name === "big/data/0")!;
    expect(data0.crc32).toBe(crc32OfZeros(big));
    expect(written.entries.at(-1)!.localHeaderOffset).toBeGreaterThan(0xffffffff);
  });

  it("names the root as torch does", () => {
    expect(defaultRoot("/models/washinoboku.ckpt")).toBe("washinoboku");
    expect(defaultRoot("mm_sdxl_nightly,ckpt")).toBe("mm_sdxl_nightly,ckpt");
    expect(defaultRoot("v1-5.pruned.ckpt")).toBe("v1-5.pruned");
    expect(defaultRoot("/models/模型.ckpt")).toBe("archive");
  });

  it("computes the CRC-32 of zero runs without materialising them", () => {
    for (const n of [0, 1, 3, 64, 1000, 65_537]) expect(crc32OfZeros(n)).toBe(crc32(Buffer.alloc(n)));
  });
});
