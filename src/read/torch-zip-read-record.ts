import { constants, inflateRawSync } from "node:zlib";
import type { ByteSource } from "./byte-source.js";
import type { ZipEntry } from "./zip.js";

const STORED = 0;
const DEFLATED = 8;
/** Compressed bytes inflated to peek at an entry's first bytes; deflate expands at most ~1032×, so ≤ 66 KB out. */
const PEEK_COMPRESSED_BYTES = 64;

export type RecordBytes = { bytes: Uint8Array; problem?: undefined } | { bytes?: undefined; problem: string };

/**
 * An entry's uncompressed bytes, as miniz extracts them: stored entries are read, deflated ones inflated with the
 * output capped at the declared size (so a deflate bomb stops at `maxBytes`), anything else refused.
 */
export async function readRecord(source: ByteSource, entry: ZipEntry, maxBytes: number): Promise<RecordBytes> {
  if (entry.dataOffset === null) return { problem: "its local header is missing" };
  if (entry.uncompressedSize > maxBytes) {
    return { problem: `declares ${entry.uncompressedSize} bytes, more than the ${maxBytes}-byte limit` };
  }
  const stored = entry.method === STORED;
  if (!stored && entry.method !== DEFLATED)
    return { problem: `uses compression method ${entry.method}, which torch cannot read` };
  const length = stored ? entry.uncompressedSize : entry.compressedSize;
  // an honest deflate stream is at most a few bytes per 64 KiB longer than its output, so the cap bounds it too
  if (length > maxBytes) return { problem: `has ${length} compressed bytes, more than the ${maxBytes}-byte limit` };
  if (entry.dataOffset + length > source.size) {
    return { problem: `its ${length} bytes at ${entry.dataOffset} run past the end of the file` };
  }
  const raw = await source.read(entry.dataOffset, length);
  if (stored) return { bytes: raw };
  try {
    // maxOutputLength must be positive; an empty record that inflates to anything fails the length check below
    const bytes = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    if (bytes.length !== entry.uncompressedSize) {
      return { problem: `inflates to ${bytes.length} bytes, not the declared ${entry.uncompressedSize}` };
    }
    return { bytes };
  } catch (error) {
    return {
      problem: `does not inflate within its declared ${entry.uncompressedSize} bytes (${(error as Error).message})`,
    };
  }
}

/** The first `count` bytes of an entry's content (fewer when it is shorter or unreadable), without reading the rest. */
export async function peekRecord(source: ByteSource, entry: ZipEntry, count: number): Promise<Uint8Array> {
  if (entry.dataOffset === null) return new Uint8Array(0);
  if (entry.method === STORED) {
    return source.read(
      entry.dataOffset,
      Math.min(count, entry.compressedSize, Math.max(0, source.size - entry.dataOffset)),
    );
  }
  if (entry.method !== DEFLATED) return new Uint8Array(0);
  const raw = await source.read(entry.dataOffset, Math.min(PEEK_COMPRESSED_BYTES, entry.compressedSize));
  try {
    return inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, count);
  } catch {
    return new Uint8Array(0);
  }
}
