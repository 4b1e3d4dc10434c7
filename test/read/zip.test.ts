import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localHeader, writeHostileZip } from "../../fixtures/hostile-zip-writer.js";
import { type TorchZipOptions, writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readZipDirectory, type ZipDirectory, ZipFormatError } from "../../src/read/zip.js";
import { parseCentralDirectory } from "../../src/read/zip-central-directory.js";
import { MAX_LONGER_HEADER_BYTES, readLocalHeaders } from "../../src/read/zip-local-headers.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

/** `{}` as protocol 2: PROTO 2, EMPTY_DICT, BINPUT 0, STOP. */
const EMPTY_DICT_PICKLE = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);

async function list(path: string): Promise<{ directory: ZipDirectory; bytesRead: number }> {
  const source = await openFileSource(path);
  try {
    const directory = await readZipDirectory(source);
    return { directory, bytesRead: source.bytesRead };
  } finally {
    await source.close();
  }
}

async function writeAndList(options: Partial<TorchZipOptions> = {}, file = "model.ckpt") {
  const path = join(await tempDir(), file);
  const written = await writeTorchZip(path, { dataPkl: EMPTY_DICT_PICKLE, storages: [], ...options });
  return { path, written, ...(await list(path)) };
}

function codes(directory: ZipDirectory): string[] {
  return directory.anomalies.map((a) => a.code);
}

/** Offsets of the central-directory records, for tests that corrupt them in place. */
function centralRecordOffsets(bytes: Buffer, directoryOffset: number, count: number): number[] {
  const offsets: number[] = [];
  for (let at = directoryOffset; offsets.length < count; ) {
    expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
    offsets.push(at);
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return offsets;
}

describe("readZipDirectory on what torch.save writes", () => {
  it("lists every record with the data offset taken from the local header, 64-byte aligned", async () => {
    const storages = [
      { key: "0", byteSize: 32 },
      { key: "1", byteSize: 10 * 1024 * 1024 },
      { key: "2", byteSize: 6 },
    ];
    const { path, written, directory, bytesRead } = await writeAndList({ storages });
    expect(directory.entries.map((e) => e.name)).toEqual([
      "model/data.pkl",
      "model/.format_version",
      "model/.storage_alignment",
      "model/byteorder",
      "model/data/0",
      "model/data/1",
      "model/data/2",
      "model/version",
      "model/.data/serialization_id",
    ]);
    expect(directory.anomalies).toEqual([]);
    expect(directory.zip64).toBe(true);
    directory.entries.forEach((entry, i) => {
      const expected = written.entries[i]!;
      expect(entry.dataOffset).toBe(expected.dataOffset);
      expect(entry.dataOffset! % 64).toBe(0);
      expect(entry.uncompressedSize).toBe(expected.uncompressedSize);
      expect(entry.crc32).toBe(expected.crc32);
      expect(entry.flags).toBe(0x0808);
      expect(entry.method).toBe(0);
      expect(entry.local?.crc32).toBe(0);
    });
    const bytes = await readFile(path);
    const pkl = directory.entries[0]!;
    expect([...bytes.subarray(pkl.dataOffset!, pkl.dataOffset! + pkl.uncompressedSize)]).toEqual([
      ...EMPTY_DICT_PICKLE,
    ]);
    const version = directory.entries[7]!;
    expect(bytes.toString("latin1", version.dataOffset!, version.dataOffset! + version.uncompressedSize)).toBe("3\n");
    // headers only: the 10 MiB storage is never touched
    expect(bytesRead).toBeLessThan(4 * 1024);
  });

  it("reads a plain end record when there are no zip64 records", async () => {
    const { directory } = await writeAndList({ zip64EndRecords: false, storages: [{ key: "0", byteSize: 8 }] });
    expect(directory.zip64).toBe(false);
    expect(directory.entries).toHaveLength(7);
    expect(directory.anomalies).toEqual([]);
  });

  it("takes sizes and offsets above 4 GiB from the zip64 extra fields without reading data", async () => {
    const big = 6 * 1024 ** 3;
    const { directory, bytesRead, written } = await writeAndList({
      storages: [
        { key: "0", byteSize: big },
        { key: "1", byteSize: 16 },
      ],
    });
    const data0 = directory.entries.find((e) => e.name === "model/data/0")!;
    const data1 = directory.entries.find((e) => e.name === "model/data/1")!;
    expect(data0.uncompressedSize).toBe(big);
    expect(data0.compressedSize).toBe(big);
    expect(data1.localHeaderOffset).toBeGreaterThan(0xffffffff);
    expect(data1.dataOffset).toBe(written.entries.find((e) => e.name === "model/data/1")!.dataOffset);
    expect(data1.dataOffset! % 64).toBe(0);
    expect(directory.centralDirectoryOffset).toBeGreaterThan(0xffffffff);
    expect(directory.anomalies).toEqual([]);
    expect(bytesRead).toBeLessThan(4 * 1024);
  });

  it("reads each local header torch writes in one read of exactly its bytes, name and FB padding too", async () => {
    const { path, directory } = await writeAndList({
      storages: [
        { key: "0", byteSize: 32 },
        { key: "1", byteSize: 6 },
      ],
    });
    const source = await openFileSource(path);
    try {
      const bytes = await source.read(directory.centralDirectoryOffset, directory.centralDirectorySize);
      const central = parseCentralDirectory(bytes, directory.entries.length, directory.centralDirectoryOffset);
      const before = source.bytesRead;
      let reads = 0;
      const counted = {
        size: source.size,
        bytesRead: 0,
        read: (offset: number, length: number) => {
          reads++;
          return source.read(offset, length);
        },
      };
      const { entries } = await readLocalHeaders(counted, central);
      const headerBytes = entries.reduce((sum, e) => sum + e.dataOffset! - e.localHeaderOffset, 0);
      expect(reads).toBe(entries.length);
      expect(source.bytesRead - before).toBe(headerBytes);
    } finally {
      await source.close();
    }
  });

  it("reads a local header longer than torch writes whole, with a second read", async () => {
    const localName = `model/${"long-local-name/".repeat(8)}data.pkl`;
    const { written, directory } = await writeAndList({ tweaks: { "data.pkl": { localName } } });
    const pkl = directory.entries[0]!;
    expect(new TextDecoder().decode(pkl.local!.nameBytes)).toBe(localName);
    expect(pkl.dataOffset).toBe(written.entries[0]!.dataOffset);
    expect(codes(directory)).toEqual(["local-name-mismatch"]);
  });
});

describe("readZipDirectory anomalies", () => {
  it("reads local headers nested in each other once, and finds their entries overlapping", async () => {
    const path = join(await tempDir(), "nested.pt");
    const header = localHeader("", { extraLength: 0xffff }).subarray(0, 30);
    const count = 200;
    const body = new Uint8Array(count * 30 + 0xffff);
    for (let i = 0; i < count; i++) body.set(header, i * 30);
    const size = await writeHostileZip(
      path,
      body,
      Array.from({ length: count }, (_, i) => ({ name: `archive/data/${i}`, offset: i * 30 })),
    );
    const { directory, bytesRead } = await list(path);
    expect(bytesRead).toBeLessThan(3 * size);
    expect(directory.entries.every((entry) => entry.local !== null)).toBe(true);
    expect(codes(directory)).toContain("overlapping-entries");
  });

  it("leaves local headers past the batch limit unread and says so, without reading them", async () => {
    // distinct 64 KiB headers side by side in a sparse file: no overlap to merge, more than the limit in total
    const path = join(await tempDir(), "long-headers.pt");
    const header = localHeader("", { extraLength: 0xffff });
    const count = Math.ceil(MAX_LONGER_HEADER_BYTES / header.length) + 10;
    const at = (i: number) => i * header.length;
    await writeHostileZip(
      path,
      {
        length: count * header.length,
        pieces: Array.from({ length: count }, (_, i) => ({ at: at(i), bytes: header.subarray(0, 30) })),
      },
      Array.from({ length: count }, (_, i) => ({ name: `archive/data/${i}`, offset: at(i) })),
    );
    const { directory, bytesRead } = await list(path);
    expect(bytesRead).toBeLessThan(MAX_LONGER_HEADER_BYTES + 1024 * 1024);
    const unread = directory.anomalies.filter((a) => a.code === "local-headers-unread");
    expect(unread).toHaveLength(1);
    expect(unread[0]!.entries.length).toBeGreaterThanOrEqual(10);
    expect(codes(directory)).not.toContain("local-header-missing");
  });

  it("reports exact and case-insensitive duplicate names", async () => {
    const { directory } = await writeAndList({
      extraEntries: [
        { name: "model/data.pkl", data: EMPTY_DICT_PICKLE },
        { name: "model/BYTEORDER", data: Buffer.from("big") },
      ],
    });
    const exact = directory.anomalies.find((a) => a.code === "duplicate-name")!;
    expect(exact.entries).toEqual([0, 6]);
    const folded = directory.anomalies.find((a) => a.code === "duplicate-name-case-insensitive")!;
    expect(folded.entries).toEqual([3, 7]);
  });

  it("reports a local-header name that differs from the central name, and disagreeing flags or method", async () => {
    const { directory } = await writeAndList({
      tweaks: { "data.pkl": { localName: "model/datap.kl" }, version: { localFlags: 0x0001, localMethod: 8 } },
    });
    expect(codes(directory).sort()).toEqual(["local-header-mismatch", "local-name-mismatch"]);
    expect(directory.entries[0]!.name).toBe("model/data.pkl");
    const mismatch = directory.anomalies.find((a) => a.code === "local-header-mismatch")!;
    expect(mismatch.message).toMatch(/flags 0x0809 vs 0x0808, method 8 vs 0/);
  });

  it("compares local CRC and sizes only when there is no data descriptor", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, {
      dataPkl: EMPTY_DICT_PICKLE,
      storages: [],
      tweaks: { version: { localFlags: 0 } },
    });
    // clearing bit 3 in the local header (flags 0x0800) makes its zero CRC and sizes count
    const bytes = await readFile(path);
    const version = written.entries.find((e) => e.name === "model/version")!;
    bytes.writeUInt16LE(0x0800, version.localHeaderOffset + 6);
    await writeFile(path, bytes);
    const { directory } = await list(path);
    const mismatch = directory.anomalies.find((a) => a.code === "local-header-mismatch")!;
    expect(mismatch.message).toMatch(
      /flags 0x0800 vs 0x0808, crc 0x0000 vs 0x[0-9a-f]+, compressed size 0 vs 2, size 0 vs 2/,
    );
  });

  it("reports encryption and patch flags without giving up on the other entries", async () => {
    const { directory } = await writeAndList({
      storages: [{ key: "0", byteSize: 4 }],
      tweaks: { "data.pkl": { flags: 0x1 }, "data/0": { flags: 0x20 }, version: { flags: 0x40 } },
    });
    const flagged = directory.anomalies.filter((a) => a.code === "unsupported-flags").map((a) => a.entries[0]);
    expect(flagged).toEqual([0, 4, 5]);
    expect(directory.entries).toHaveLength(7);
  });

  it("reports names that would escape an extraction directory", async () => {
    const { directory } = await writeAndList({
      extraEntries: [
        { name: "model/../../../../evil.sh", data: Buffer.from("echo") },
        { name: "/etc/cron.d/x", data: Buffer.from("echo") },
        { name: "C:\\Windows\\x.bat", data: Buffer.from("echo") },
        { name: "model/a\\b", data: Buffer.from("echo") },
        { name: "model/nul\u0000.pkl", data: Buffer.from("echo") },
        { name: "model/ok..name", data: Buffer.from("echo") },
      ],
    });
    const unsafe = directory.anomalies.filter((a) => a.code === "unsafe-name").map((a) => a.message);
    expect(unsafe).toEqual([
      `"model/../../../../evil.sh" has a '..' component`,
      `"/etc/cron.d/x" is an absolute path`,
      `"C:\\Windows\\x.bat" contains a backslash`,
      `"model/a\\b" contains a backslash`,
      `"model/nul\u0000.pkl" contains a NUL or control character`,
    ]);
  });

  it("reports bytes after the end record, and skips a decoy end-record signature hidden in them", async () => {
    const decoy = Buffer.alloc(40);
    decoy.writeUInt32LE(0x06054b50, 10);
    decoy.writeUInt16LE(3, 18); // 3 entries on this disk …
    decoy.writeUInt16LE(4, 20); // … but 4 in total: not self-consistent
    const { directory } = await writeAndList({ trailingBytes: decoy });
    expect(codes(directory).sort()).toEqual(["ignored-end-record", "trailing-bytes"]);
    expect(directory.anomalies.find((a) => a.code === "trailing-bytes")!.message).toMatch(/^40 bytes after/);
    expect(directory.entries).toHaveLength(6);
  });

  it("reports entries sharing data and data running into the central directory", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, { dataPkl: EMPTY_DICT_PICKLE, storages: [{ key: "0", byteSize: 64 }] });
    const bytes = await readFile(path);
    const records = centralRecordOffsets(bytes, written.centralDirectoryOffset, written.entries.length);
    // entry 1 now points at entry 0's local header; the last entry claims far more data than it has
    bytes.writeUInt32LE(0, records[1]! + 42);
    const last = written.entries.at(-1)!;
    bytes.writeUInt32LE(written.centralDirectoryOffset - last.dataOffset + 10, records.at(-1)! + 20);
    await writeFile(path, bytes);
    const { directory } = await list(path);
    expect(codes(directory)).toContain("overlapping-entries");
    expect(codes(directory)).toContain("overlaps-central-directory");
    expect(directory.anomalies.find((a) => a.code === "overlapping-entries")!.entries.sort()).toEqual([0, 1]);
  });
});

describe("readZipDirectory failures", () => {
  async function expectFormatError(bytes: Uint8Array, code: string, size?: number) {
    const path = join(await tempDir(), "broken.ckpt");
    await writeFile(path, bytes);
    if (size !== undefined) {
      const handle = await open(path, "r+");
      await handle.truncate(size);
      await handle.close();
    }
    const error = await list(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZipFormatError);
    expect((error as ZipFormatError).code).toBe(code);
  }

  function endRecord(fields: { entries: number; size: number; offset: number }): Buffer {
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(fields.entries, 8);
    end.writeUInt16LE(fields.entries, 10);
    end.writeUInt32LE(fields.size, 12);
    end.writeUInt32LE(fields.offset, 16);
    return end;
  }

  it("throws when there is no end record", async () => {
    await expectFormatError(Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(100, 0x41)]), "no-end-record");
  });

  it("throws when the central directory lies outside the file", async () => {
    await expectFormatError(endRecord({ entries: 1, size: 46, offset: 1000 }), "central-directory-out-of-bounds");
  });

  it("throws when the entry count cannot fit the central directory", async () => {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    await expectFormatError(
      Buffer.concat([header, endRecord({ entries: 0xfffe, size: 46, offset: 0 })]),
      "too-many-entries",
    );
  });

  it("throws on a central directory above 64 MiB before reading it", async () => {
    const size = 66 * 1024 * 1024;
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    const path = join(await tempDir(), "huge-directory.zip");
    const handle = await open(path, "w");
    await handle.write(header, 0, header.length, 0);
    await handle.write(endRecord({ entries: 2, size: size - 22, offset: 0 }), 0, 22, size - 22);
    await handle.close();
    const source = await openFileSource(path);
    const error = await readZipDirectory(source).catch((e: unknown) => e);
    expect((error as ZipFormatError).code).toBe("central-directory-too-large");
    expect(source.bytesRead).toBeLessThan(100 * 1024);
    await source.close();
  });

  it("throws when a central record is cut short", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, { dataPkl: EMPTY_DICT_PICKLE, storages: [], zip64EndRecords: false });
    const bytes = await readFile(path);
    const records = centralRecordOffsets(bytes, written.centralDirectoryOffset, written.entries.length);
    bytes.writeUInt32LE(0x12345678, records[3]!);
    await expectFormatError(bytes, "bad-central-header");
  });
});
