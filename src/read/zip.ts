import type { ByteSource } from "./byte-source.js";
import { findEntryAnomalies } from "./zip-anomalies.js";
import { parseCentralDirectory } from "./zip-central-directory.js";
import { readEndRecord } from "./zip-end-record.js";
import { ZipFormatError } from "./zip-format-error.js";
import { readLocalHeaders } from "./zip-local-headers.js";
import type { ZipAnomaly, ZipAnomalyCode, ZipDirectory } from "./zip-types.js";

export { ZipFormatError, type ZipFormatErrorCode } from "./zip-format-error.js";
export type { LocalHeader, ZipAnomaly, ZipAnomalyCode, ZipDirectory, ZipEntry, ZipNameKeys } from "./zip-types.js";

/** A real torch checkpoint has ~1–2 k records (≈ 100 KB of directory); 64 MiB leaves room for any honest archive. */
export const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024;
/**
 * Ample for state dicts (tens of thousands of tensors) while bounding the per-entry work at about 100 MB of objects.
 */
export const MAX_ENTRIES = 1_000_000;
/** The fixed part of a central-directory record: no directory of N entries is shorter than N × 46 bytes. */
const CENTRAL_HEADER_SIZE = 46;
/**
 * Anomalies listed per kind; the rest are counted in one summary of the same kind. A million overlapping entries
 * would otherwise be a million findings; one of each kind already decides the verdict.
 */
export const MAX_ANOMALIES_PER_CODE = 100;

/**
 * Lists a zip archive from its end records, central directory and local headers, never reading entry data.
 * Throws {@link ZipFormatError} only when no central directory can be parsed; every other oddity is an anomaly.
 */
export async function readZipDirectory(source: ByteSource): Promise<ZipDirectory> {
  const end = await readEndRecord(source);
  const { entryCount, centralDirectoryOffset: offset, centralDirectorySize: size } = end;
  if (size > MAX_CENTRAL_DIRECTORY_BYTES) {
    throw new ZipFormatError(
      "central-directory-too-large",
      `central directory of ${size} bytes exceeds ${MAX_CENTRAL_DIRECTORY_BYTES}`,
    );
  }
  if (entryCount > MAX_ENTRIES || entryCount * CENTRAL_HEADER_SIZE > size) {
    throw new ZipFormatError(
      "too-many-entries",
      `${entryCount} entries cannot fit a ${size}-byte central directory (limit ${MAX_ENTRIES})`,
    );
  }
  const central = parseCentralDirectory(await source.read(offset, size), entryCount, offset);
  const { entries, anomalies: localAnomalies } = await readLocalHeaders(source, central);
  const nameKeys = central.map((entry) => entry.keys);
  return {
    size: source.size,
    entries,
    nameKeys,
    centralDirectoryOffset: offset,
    centralDirectorySize: size,
    endRecordOffset: end.endRecordOffset,
    zip64: end.zip64EndRecordOffset !== null,
    anomalies: capAnomalies([
      ...end.anomalies,
      ...localAnomalies,
      ...findEntryAnomalies(entries, nameKeys, { offset, size, fileSize: source.size }),
    ]),
  };
}

function capAnomalies(anomalies: readonly ZipAnomaly[]): ZipAnomaly[] {
  const kept: ZipAnomaly[] = [];
  const dropped = new Map<ZipAnomalyCode, number>();
  const listed = new Map<ZipAnomalyCode, number>();
  for (const anomaly of anomalies) {
    const count = listed.get(anomaly.code) ?? 0;
    if (count < MAX_ANOMALIES_PER_CODE) {
      listed.set(anomaly.code, count + 1);
      kept.push(anomaly);
    } else dropped.set(anomaly.code, (dropped.get(anomaly.code) ?? 0) + 1);
  }
  for (const [code, count] of dropped)
    kept.push({ code, entries: [], message: `${count} more ${code} anomalies not listed` });
  return kept;
}
