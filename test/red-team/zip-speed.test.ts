import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { localHeader, writeHostileZip } from "../../fixtures/hostile-zip-writer.js";
import { checkpointSpec, torchPickle } from "../../fixtures/pickle-builder.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import { type ByteSource, openFileSource } from "../../src/read/byte-source.js";
import { readTorchZip } from "../../src/read/torch-zip.js";
import { readZipDirectory } from "../../src/read/zip.js";
import { useTempDirs } from "../helpers.js";

/** Red team on the batched torch-zip reading path: each test fails on the code it was written against. */

const tempDir = useTempDirs("sdmodels-redteam-zip-speed-");

/** Central records pointing at local headers; enough to make a per-record re-read cost ~130 MB. */
const RECORDS = 2000;
/** The longest extra field a local header can declare. */
const LONGEST_EXTRA = 0xffff;

/** Bytes the directory reader pulls from a file, against the file's size. */
async function bytesReadListing(path: string): Promise<number> {
  const source = await openFileSource(path);
  try {
    await readZipDirectory(source);
    return source.bytesRead;
  } finally {
    await source.close();
  }
}

describe("red team: batched zip local-header reads", () => {
  // Attack: one local header declaring a 65 535-byte extra field, and thousands of central records all pointing at
  // it. Each record's header is read whole again in the second batch of readLocalHeaders, and every copy is held
  // until the last is read: a zip64 directory of a million such records (46 MB) asks for ~65 GB and kills the
  // process instead of giving a verdict. Here 2 000 records in a 190 KB file make the reader pull ~130 MB.
  it("reads a local header shared by many central records a bounded number of times", async () => {
    const path = join(await tempDir(), "shared-header.pt");
    const records = Array.from({ length: RECORDS }, (_, i) => ({ name: `archive/data/${i}`, offset: 0 }));
    const size = await writeHostileZip(path, localHeader("archive/data/0", { extraLength: LONGEST_EXTRA }), records);
    expect(await bytesReadListing(path)).toBeLessThan(4 * size);
  });

  // Attack: the same with distinct offsets, so de-duplicating offsets does not help: 2 000 local headers stacked
  // 30 bytes apart, each declaring a 65 535-byte extra field that holds the headers after it. Every record points
  // at its own header, and each is read whole (~65 KB) from a ~250 KB file.
  it("reads local headers nested in each other's extra fields a bounded number of times", async () => {
    const path = join(await tempDir(), "nested-headers.pt");
    const header = localHeader("", { extraLength: LONGEST_EXTRA });
    const body = new Uint8Array(RECORDS * 30 + LONGEST_EXTRA);
    for (let i = 0; i < RECORDS; i++) body.set(header.subarray(0, 30), i * 30);
    const records = Array.from({ length: RECORDS }, (_, i) => ({ name: `archive/data/${i}`, offset: i * 30 }));
    const size = await writeHostileZip(path, body, records);
    expect(await bytesReadListing(path)).toBeLessThan(4 * size);
  });
});

const benign = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 4] }]]), {
  persistentIds: "zip",
});
/** A pickle that calls `posix.system` when loaded. */
const payload = systemCallPickle();

async function verdictOf(path: string): Promise<string> {
  const source = await openFileSource(path);
  try {
    const result = await readTorchZip(source);
    return buildSafetyReport(result.findings, result.imports).verdict;
  } finally {
    await source.close();
  }
}

describe("red team: names of entries torch does not read", () => {
  // Attack: an extra entry named `archive/<U+FEFF>data.pkl` holding a code-running pickle. torch never reads it (its
  // bytes are not `archive/data.pkl`), but it is exactly the smuggling channel the scanner promises to report and
  // interpret for other loaders. The layout's relativeName decodes the part after the root with a UTF-8
  // TextDecoder that drops a leading byte-order mark (torch-zip-layout.ts: torchZipLayout → zip-names.ts:
  // decodeName), so the entry reads as the expected record `data.pkl`, is left out of the unexpected entries, is
  // never interpreted, and the file is called safe. The same name without the mark is dangerous.
  it("interprets an extra pickle whose name is a torch record's behind a UTF-8 byte-order mark", async () => {
    for (const name of ["archive/\uFEFFdata.pkl", "archive/\uFEFFversion"]) {
      const path = join(await tempDir(), "model.ckpt");
      await writeTorchZip(path, {
        root: "archive",
        dataPkl: benign.bytes,
        storages: benign.storages.map(({ key, byteSize }) => ({ key, byteSize })),
        extraEntries: [{ name, data: payload }],
      });
      expect(await verdictOf(path), JSON.stringify(name)).toBe("dangerous");
    }
  });
});

describe("red team: a file that shrinks while it is read", () => {
  // Attack (guard): the checkpoint is truncated by another process right after its central directory is read, so
  // every batched local-header read hits end of file. readSync then returns 0 bytes; a batch that kept asking for
  // the rest would spin forever, and one that took missing headers for empty ones could still call the file safe.
  it("ends with a verdict other than safe when the local headers vanish mid-read", async () => {
    const path = join(await tempDir(), "model.ckpt");
    const written = await writeTorchZip(path, {
      root: "archive",
      dataPkl: benign.bytes,
      storages: benign.storages.map(({ key, byteSize }) => ({ key, byteSize })),
    });
    const file = await openFileSource(path);
    // the file's own source, truncated right after the whole central directory comes back (not its 4-byte check)
    const shrinking: ByteSource = {
      size: file.size,
      get bytesRead() {
        return file.bytesRead;
      },
      async read(offset, length) {
        const bytes = await file.read(offset, length);
        if (offset === written.centralDirectoryOffset && length > 4) await truncate(path, 0);
        return bytes;
      },
      readRanges: (ranges) => file.readRanges!(ranges),
    };
    try {
      const result = await readTorchZip(shrinking);
      expect(buildSafetyReport(result.findings, result.imports).verdict).not.toBe("safe");
    } finally {
      await file.close();
    }
  });
});
