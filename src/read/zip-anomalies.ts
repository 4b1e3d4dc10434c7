import { unsafeNameReason } from "./zip-names.js";
import type { ZipAnomaly, ZipEntry, ZipNameKeys } from "./zip-types.js";

/** Bit 0 encrypted, bit 5 compressed patched data, bit 6 strong encryption: miniz refuses to extract these. */
const UNSUPPORTED_FLAGS = 0x0001 | 0x0020 | 0x0040;

/** Anomalies visible from the parsed entries alone: names, flags and data ranges. */
export function findEntryAnomalies(
  entries: readonly ZipEntry[],
  keys: readonly ZipNameKeys[],
  directory: { offset: number; size: number; fileSize: number },
): ZipAnomaly[] {
  const anomalies = duplicateNames(entries, keys);
  for (const entry of entries) nameAndFlagAnomalies(entry, keys[entry.index]!, anomalies);
  for (const anomaly of rangeAnomalies(entries, directory)) anomalies.push(anomaly);
  return anomalies;
}

function duplicateNames(entries: readonly ZipEntry[], keys: readonly ZipNameKeys[]): ZipAnomaly[] {
  const exact = groupBy(entries, (entry) => keys[entry.index]!.exact);
  const folded = groupBy(entries, (entry) => keys[entry.index]!.folded);
  const anomalies: ZipAnomaly[] = [];
  for (const group of exact.values()) {
    if (group.length > 1) {
      anomalies.push({
        code: "duplicate-name",
        entries: group.map((e) => e.index),
        message: `"${group[0]!.name}" appears ${group.length} times`,
      });
    }
  }
  for (const group of folded.values()) {
    const distinct = new Set(group.map((e) => keys[e.index]!.exact));
    if (distinct.size > 1) {
      anomalies.push({
        code: "duplicate-name-case-insensitive",
        entries: group.map((e) => e.index),
        message:
          `names equal when case is ignored (as torch looks them up): ` +
          `${group.map((e) => `"${e.name}"`).join(", ")}`,
      });
    }
  }
  return anomalies;
}

/** Appends to `anomalies` (a list per entry would be a million arrays for a million entries). */
function nameAndFlagAnomalies(entry: ZipEntry, keys: ZipNameKeys, anomalies: ZipAnomaly[]): void {
  const unsafe = unsafeNameReason(entry.name);
  if (unsafe) anomalies.push({ code: "unsafe-name", entries: [entry.index], message: `"${entry.name}" ${unsafe}` });
  if (!keys.utf8) {
    anomalies.push({ code: "non-utf8-name", entries: [entry.index], message: `"${entry.name}" is not valid UTF-8` });
  }
  if (entry.flags & UNSUPPORTED_FLAGS) {
    anomalies.push({
      code: "unsupported-flags",
      entries: [entry.index],
      message: `${entry.name}: flags 0x${entry.flags.toString(16)} mark it encrypted or patched`,
    });
  }
}

function rangeAnomalies(
  entries: readonly ZipEntry[],
  directory: { offset: number; size: number; fileSize: number },
): ZipAnomaly[] {
  const anomalies: ZipAnomaly[] = [];
  const ranges: { entry: ZipEntry; start: number; end: number }[] = [];
  for (const entry of entries) {
    if (entry.dataOffset === null) continue;
    const end = entry.dataOffset + entry.compressedSize;
    if (end > directory.fileSize) {
      anomalies.push({
        code: "data-out-of-bounds",
        entries: [entry.index],
        message: `${entry.name}: ${entry.compressedSize} bytes at ${entry.dataOffset} run past the end of the file`,
      });
    } else if (entry.localHeaderOffset >= directory.offset + directory.size) {
      anomalies.push({
        code: "entry-after-central-directory",
        entries: [entry.index],
        message: `${entry.name}: its local header at ${entry.localHeaderOffset} lies behind the central directory`,
      });
    } else if (end > directory.offset) {
      anomalies.push({
        code: "overlaps-central-directory",
        entries: [entry.index],
        message: `${entry.name}: data runs into the central directory at ${directory.offset}`,
      });
    }
    ranges.push({ entry, start: entry.localHeaderOffset, end });
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  let widest: (typeof ranges)[number] | undefined;
  for (const range of ranges) {
    if (widest && range.start < widest.end) {
      anomalies.push({
        code: "overlapping-entries",
        entries: [widest.entry.index, range.entry.index],
        message: `${range.entry.name} starts inside ${widest.entry.name} (bytes ${range.start}…${widest.end})`,
      });
    }
    if (!widest || range.end > widest.end) widest = range;
  }
  return anomalies;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
