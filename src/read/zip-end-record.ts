import type { ByteSource } from "./byte-source.js";
import { ZipFormatError } from "./zip-format-error.js";
import type { ZipAnomaly } from "./zip-types.js";

const END_RECORD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_END_RECORD_SIGNATURE = 0x06064b50;
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_RECORD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END_RECORD_SIZE = 56;
/** The end record sits within its own size plus the longest comment (u16) of EOF; the zip64 locator precedes it. */
const END_RECORD_SEARCH_BYTES = END_RECORD_SIZE + 0xffff + ZIP64_LOCATOR_SIZE;
/**
 * Covers the end records torch writes (zip64 record + locator + end record = 98 bytes) with room for a short comment.
 */
const FIRST_SEARCH_BYTES = 1024;

/** Where the central directory is, as the end records say. */
export interface EndRecord {
  endRecordOffset: number;
  entryCount: number;
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Offset of the zip64 end record, or null when the archive has none. */
  zip64EndRecordOffset: number | null;
  anomalies: ZipAnomaly[];
}

/** Reads a u64 as a number; values above 2^53 stay above any real file size, which is all the bounds checks need. */
export function readU64(view: DataView, offset: number): number {
  return Number(view.getBigUint64(offset, true));
}

/**
 * Finds the end-of-central-directory record by searching backwards, and follows the zip64 locator when present.
 * miniz (torch's reader) takes the last signature and uses the zip64 values whenever the locator is there; we take the
 * last signature whose fields are self-consistent, so a decoy signature that miniz would choose and then fail on
 * cannot hide the real directory from us, and we report the decoy. The search starts with a small window, since
 * torch writes no archive comment, and widens to the full 64 KiB only when that finds nothing.
 */
export async function readEndRecord(source: ByteSource): Promise<EndRecord> {
  let lastProblem: ZipFormatError | null = null;
  let skipped = 0;
  let searchedFrom = source.size - END_RECORD_SIZE + 1;
  for (const windowSize of [FIRST_SEARCH_BYTES, END_RECORD_SEARCH_BYTES]) {
    const tailStart = Math.max(0, source.size - windowSize);
    if (tailStart >= searchedFrom) continue;
    const tail = await source.read(tailStart, source.size - tailStart);
    const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    for (let i = searchedFrom - 1 - tailStart; i >= 0; i--) {
      if (view.getUint32(i, true) !== END_RECORD_SIGNATURE) continue;
      try {
        const record = await interpretEndRecord(source, view, i, tailStart);
        if (skipped > 0) {
          record.anomalies.push({
            code: "ignored-end-record",
            entries: [],
            message: `${skipped} end-of-central-directory signature(s) after the one used are not self-consistent`,
          });
        }
        return record;
      } catch (error) {
        if (!(error instanceof ZipFormatError)) throw error;
        lastProblem = error;
        skipped++;
      }
    }
    searchedFrom = tailStart;
  }
  throw lastProblem ?? new ZipFormatError("no-end-record", "no end-of-central-directory record in the last 64 KiB");
}

async function interpretEndRecord(
  source: ByteSource,
  tail: DataView,
  at: number,
  tailStart: number,
): Promise<EndRecord> {
  const endRecordOffset = tailStart + at;
  const disk = tail.getUint16(at + 4, true);
  const centralDisk = tail.getUint16(at + 6, true);
  const entriesOnDisk = tail.getUint16(at + 8, true);
  let entryCount = tail.getUint16(at + 10, true);
  let centralDirectorySize = tail.getUint32(at + 12, true);
  let centralDirectoryOffset = tail.getUint32(at + 16, true);
  const commentLength = tail.getUint16(at + 20, true);
  const anomalies: ZipAnomaly[] = [];

  let zip64EndRecordOffset: number | null = null;
  const locator = await readLocator(source, tail, at, tailStart);
  if (locator !== null) {
    zip64EndRecordOffset = locator;
    if (zip64EndRecordOffset + ZIP64_END_RECORD_SIZE > endRecordOffset - ZIP64_LOCATOR_SIZE) {
      throw new ZipFormatError("bad-zip64-end-record", "zip64 locator points outside the file");
    }
    const bytes = await source.read(zip64EndRecordOffset, ZIP64_END_RECORD_SIZE);
    const z = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < ZIP64_END_RECORD_SIZE || z.getUint32(0, true) !== ZIP64_END_RECORD_SIGNATURE) {
      throw new ZipFormatError("bad-zip64-end-record", "zip64 locator does not point at a zip64 end record");
    }
    if (!singleDisk(z.getUint32(16, true), z.getUint32(20, true)) || readU64(z, 24) !== readU64(z, 32)) {
      throw new ZipFormatError("multi-disk", "zip64 end record describes a multi-disk archive");
    }
    const zip64 = { entryCount: readU64(z, 32), size: readU64(z, 40), offset: readU64(z, 48) };
    const disagrees =
      (entryCount !== 0xffff && entryCount !== zip64.entryCount) ||
      (centralDirectorySize !== 0xffffffff && centralDirectorySize !== zip64.size) ||
      (centralDirectoryOffset !== 0xffffffff && centralDirectoryOffset !== zip64.offset);
    if (disagrees) {
      anomalies.push({
        code: "zip64-mismatch",
        entries: [],
        message: "the 32-bit end record and the zip64 end record describe different central directories",
      });
    }
    ({ entryCount, size: centralDirectorySize, offset: centralDirectoryOffset } = zip64);
  } else if (!singleDisk(disk, centralDisk) || entriesOnDisk !== entryCount) {
    throw new ZipFormatError("multi-disk", "end record describes a multi-disk archive");
  }

  const directoryLimit = zip64EndRecordOffset ?? endRecordOffset;
  if (centralDirectoryOffset + centralDirectorySize > directoryLimit) {
    throw new ZipFormatError(
      "central-directory-out-of-bounds",
      `central directory (${centralDirectorySize} bytes at ${centralDirectoryOffset}) ` +
        `runs past its end record at ${directoryLimit}`,
    );
  }
  if (entryCount > 0) {
    const signature = await source.read(centralDirectoryOffset, 4);
    if (
      signature.length < 4 ||
      new DataView(signature.buffer, signature.byteOffset, 4).getUint32(0, true) !== CENTRAL_HEADER_SIGNATURE
    ) {
      throw new ZipFormatError("bad-central-header", `no central-directory header at ${centralDirectoryOffset}`);
    }
  }
  if (centralDirectoryOffset + centralDirectorySize < directoryLimit) {
    anomalies.push({
      code: "gap-before-end-record",
      entries: [],
      message:
        `${directoryLimit - centralDirectoryOffset - centralDirectorySize} unexplained bytes ` +
        `between the central directory and the end record`,
    });
  }
  const recordEnd = endRecordOffset + END_RECORD_SIZE + commentLength;
  if (recordEnd < source.size) {
    anomalies.push({
      code: "trailing-bytes",
      entries: [],
      message: `${source.size - recordEnd} bytes after the end-of-central-directory record`,
    });
  } else if (recordEnd > source.size) {
    anomalies.push({
      code: "comment-overruns-file",
      entries: [],
      message: `archive comment length ${commentLength} runs ${recordEnd - source.size} bytes past the end of the file`,
    });
  }
  return { endRecordOffset, entryCount, centralDirectoryOffset, centralDirectorySize, zip64EndRecordOffset, anomalies };
}

/**
 * miniz accepts disk numbers 0/0 and 1/1 as a single-disk archive (`mz_zip_reader_read_central_dir`); refusing 1/1
 * would make us read an earlier end record than torch does.
 */
function singleDisk(disk: number, centralDisk: number): boolean {
  return (disk === 0 && centralDisk === 0) || (disk === 1 && centralDisk === 1);
}

/** The zip64 end record's offset from a locator right before the end record, or null when there is none. */
async function readLocator(source: ByteSource, tail: DataView, at: number, tailStart: number): Promise<number | null> {
  const locatorOffset = tailStart + at - ZIP64_LOCATOR_SIZE;
  if (locatorOffset < 0) return null;
  let view: DataView;
  if (at >= ZIP64_LOCATOR_SIZE) {
    view = new DataView(tail.buffer, tail.byteOffset + at - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE);
  } else {
    const bytes = await source.read(locatorOffset, ZIP64_LOCATOR_SIZE);
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return view.getUint32(0, true) === ZIP64_LOCATOR_SIGNATURE ? readU64(view, 8) : null;
}
