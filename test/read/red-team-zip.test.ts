import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { checkpointSpec, PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { LEGACY_MAGIC_PICKLE, LEGACY_PROTOCOL_PICKLE, writeLayout } from "../../fixtures/torch-legacy-writer.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import type { ContainerResult } from "../../src/inspect/types.js";
import type { Verdict } from "../../src/model/verdict.js";
import { MAX_IMPORT_RECORDS } from "../../src/pickle/limits.js";
import { type ByteSource, openFileSource } from "../../src/read/byte-source.js";
import { readTorchLegacy } from "../../src/read/torch-legacy.js";
import { readTorchZip } from "../../src/read/torch-zip.js";
import { useTempDirs } from "../helpers.js";

/** Container-level attacks: make torch load bytes the scanner never interpreted. Payloads only name `posix.system`. */

const tempDir = useTempDirs();

const benign = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 4] }]]), {
  persistentIds: "zip",
});
const storages = benign.storages.map(({ key, byteSize }) => ({ key, byteSize }));
const payload = systemCallPickle();

async function judge(
  path: string,
  reader: (source: ByteSource) => Promise<ContainerResult>,
): Promise<{ verdict: Verdict; result: ContainerResult }> {
  const source = await openFileSource(path);
  try {
    const result = await reader(source);
    return { verdict: buildSafetyReport(result.findings, result.imports).verdict, result };
  } finally {
    await source.close();
  }
}

describe("red team: zip end records", () => {
  it("an end record with disk numbers 1/1 (miniz reads it) cannot send us to an earlier benign directory", async () => {
    const dir = await tempDir();
    await writeTorchZip(join(dir, "a.ckpt"), {
      root: "archive",
      dataPkl: benign.bytes,
      storages,
      zip64EndRecords: false,
    });
    await writeTorchZip(join(dir, "b.ckpt"), {
      root: "archive",
      dataPkl: payload,
      storages: [],
      zip64EndRecords: false,
    });
    const decoy = await readFile(join(dir, "a.ckpt"));
    const real = Buffer.from(await readFile(join(dir, "b.ckpt")));
    // Shift the payload archive behind the benign one: its central records and end record point past the decoy.
    const end = real.length - 22;
    const directory = real.readUInt32LE(end + 16);
    for (let at = directory; at < end; ) {
      real.writeUInt32LE(real.readUInt32LE(at + 42) + decoy.length, at + 42);
      at += 46 + real.readUInt16LE(at + 28) + real.readUInt16LE(at + 30) + real.readUInt16LE(at + 32);
    }
    real.writeUInt32LE(directory + decoy.length, end + 16);
    real.writeUInt16LE(1, end + 4);
    real.writeUInt16LE(1, end + 6);
    const path = join(dir, "polyglot.ckpt");
    await writeFile(path, Buffer.concat([decoy, real]));
    const { verdict, result } = await judge(path, readTorchZip);
    expect(verdict).toBe("dangerous");
    expect(result.imports.map((i) => i.resolved)).toContain("posix.system");
  });

  it("an end record we cannot interpret, followed by nothing we can, is never just suspicious", async () => {
    const dir = await tempDir();
    const path = join(dir, "model.ckpt");
    await writeTorchZip(path, { root: "archive", dataPkl: benign.bytes, storages, zip64EndRecords: false });
    const bytes = Buffer.from(await readFile(path));
    // a zip64 locator pointing at no zip64 record: miniz then silently uses the 32-bit record, we refuse it
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(0n, 8);
    const end = bytes.subarray(bytes.length - 22);
    await writeFile(path, Buffer.concat([bytes.subarray(0, bytes.length - 22), locator, end]));
    const { verdict } = await judge(path, readTorchZip);
    expect(verdict).toBe("dangerous");
  });
});

describe("red team: records torch reads that we might not", () => {
  it("data.pkl under another root, or named with a trailing slash, is still interpreted", async () => {
    for (const name of ["other/data.pkl", "archive/data.pkl/"]) {
      const path = join(await tempDir(), "model.ckpt");
      await writeTorchZip(path, {
        root: "archive",
        dataPkl: benign.bytes,
        storages,
        extraEntries: [{ name, data: payload }],
      });
      expect((await judge(path, readTorchZip)).verdict, name).toBe("dangerous");
    }
  });

  it("a data.pkl whose local header is after the central directory (miniz reads it there) is interpreted", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, {
      root: "archive",
      dataPkl: payload,
      storages: [],
      zip64EndRecords: false,
    });
    const zip = Buffer.from(await readFile(path));
    const first = written.entries[1]!.localHeaderOffset;
    const cd = written.centralDirectoryOffset;
    const end = zip.length - 22;
    const directory = Buffer.from(zip.subarray(cd, end));
    // every record moves back by the size of entry 0; entry 0 (data.pkl, still first in the directory) moves behind it
    for (let at = 0; at < directory.length; ) {
      const offset = directory.readUInt32LE(at + 42);
      directory.writeUInt32LE(offset === 0 ? cd - first + directory.length : offset - first, at + 42);
      at += 46 + directory.readUInt16LE(at + 28) + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
    }
    const record = Buffer.from(zip.subarray(end));
    record.writeUInt32LE(cd - first, 16);
    await writeFile(path, Buffer.concat([zip.subarray(first, cd), directory, zip.subarray(0, first), record]));
    const { verdict, result } = await judge(path, readTorchZip);
    expect(verdict).toBe("dangerous");
    expect(result.imports.map((i) => i.resolved)).toContain("posix.system");
  });

  it("a legacy pickle #4 longer than the scan budget, with the payload beyond it, fails closed", async () => {
    const path = join(await tempDir(), "model.pt");
    const sysInfo = torchPickle(
      {
        dict: [
          ["protocol_version", 1001],
          ["little_endian", true],
        ],
      },
      { persistentIds: "zip" },
    ).bytes;
    // Two 40 MB strings of NULs (holes in the file) carry pickle #4 past 64 MiB; CPython reads straight on.
    const string = 40 * 1024 * 1024;
    const head = Buffer.concat([LEGACY_MAGIC_PICKLE, LEGACY_PROTOCOL_PICKLE, sysInfo, Buffer.from([0x80, 0x02])]);
    const strings = [head.length, head.length + 5 + string + 1];
    const chunks = [{ offset: 0, bytes: head }];
    for (const at of strings) {
      const op = Buffer.alloc(5);
      op.writeUInt8(0x58, 0);
      op.writeUInt32LE(string, 1);
      chunks.push({ offset: at, bytes: op }, { offset: at + 5 + string, bytes: Buffer.from([0x30]) });
    }
    const tail = Buffer.concat([
      Buffer.from(payload.subarray(2, -1)),
      Buffer.from([0x30, 0x7d, 0x2e]),
      new PickleBuilder().proto(2).emptyList().stop().bytes(),
    ]);
    const tailAt = strings[1]! + 5 + string + 1;
    chunks.push({ offset: tailAt, bytes: tail });
    await writeLayout(path, { size: tailAt + tail.length, chunks });
    const { verdict, result } = await judge(path, readTorchLegacy);
    expect(verdict).toBe("dangerous");
    expect(result.findings.some((f) => f.code === "unscannable")).toBe(true);
  });

  it("300k distinct globals in data.pkl end with a verdict (no stack overflow, a bounded import list)", async () => {
    const b = new PickleBuilder().proto(2);
    for (let i = 0; i < 300_000; i++) b.global("collections", `C${i}`).pop();
    const path = join(await tempDir(), "model.ckpt");
    await writeTorchZip(path, {
      root: "archive",
      dataPkl: b.global("posix", "system").pop().emptyDict().stop().bytes(),
      storages: [],
    });
    const { verdict, result } = await judge(path, readTorchZip);
    expect(verdict).toBe("dangerous");
    expect(result.imports.length).toBeLessThanOrEqual(MAX_IMPORT_RECORDS);
    // posix.system comes after the listing cap: its verdict still reaches a finding
    expect(result.imports.some((i) => i.resolved === "posix.system")).toBe(false);
    expect(result.findings.some((f) => f.severity === "dangerous")).toBe(true);
  });

  it("127 case variants of data.pkl are not each interpreted: the second copy decides the verdict", async () => {
    // bit n of i upper-cases character n: every spelling miniz's case-insensitive lookup folds to data.pkl
    const extraEntries = Array.from({ length: 127 }, (_, index) => ({
      name: `archive/${[..."data.pkl"].map((c, bit) => (((index + 1) >> bit) & 1 ? c.toUpperCase() : c)).join("")}`,
      data: payload,
    }));
    const path = join(await tempDir(), "model.ckpt");
    await writeTorchZip(path, { root: "archive", dataPkl: benign.bytes, storages, extraEntries });
    const { verdict, result } = await judge(path, readTorchZip);
    expect(verdict).toBe("dangerous");
    expect(result.findings.find((f) => f.code === "ambiguous-record")?.message).toContain("the first 4 were scanned");
  });
});
