import type { ZipEntry } from "./zip.js";
import { decodeName, foldNameKey } from "./zip-names.js";

/**
 * Records torch itself writes, named relative to the archive root (torch/serialization.py `_save`,
 * caffe2/serialize/inline_container.cc).
 */
const EXPECTED_RECORDS: ReadonlySet<string> = new Set([
  "data.pkl",
  "byteorder",
  "version",
  ".data/version",
  ".data/serialization_id",
  ".format_version",
  ".storage_alignment",
]);
const STORAGE_RECORD = /^data\/\d+$/;

/** Names of the entries as torch resolves them: relative to the root, looked up case-insensitively like miniz. */
export interface TorchZipLayout {
  /** Bytes before the first `/` of the first central-directory entry (`PyTorchStreamReader::init`). */
  root: string;
  /** Every entry whose name folds to `root/name`; more than one means torch may load either. */
  lookup(name: string): ZipEntry[];
  /** The name relative to the root, or null for an entry outside it (compared exactly, as torch strips the root). */
  relativeName(entry: ZipEntry): string | null;
}

const encoder = new TextEncoder();

/** Null when the first entry has no `/`: torch refuses such archives ("file in archive is not in a subdirectory"). */
export function torchZipLayout(entries: readonly ZipEntry[]): TorchZipLayout | null {
  const first = entries[0];
  const slash = first?.nameBytes.indexOf(0x2f) ?? -1;
  if (!first || slash < 0) return null;
  const rootBytes = first.nameBytes.subarray(0, slash + 1);
  const index = new Map<string, ZipEntry[]>();
  for (const entry of entries) {
    const key = foldNameKey(entry.nameBytes);
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  const rootKey = foldNameKey(rootBytes);
  const root = decodeName(first.nameBytes.subarray(0, slash)).name;
  return {
    root,
    lookup: (name) => index.get(rootKey + foldNameKey(encoder.encode(name))) ?? [],
    relativeName: (entry) =>
      entry.nameBytes.length > rootBytes.length && rootBytes.every((byte, i) => entry.nameBytes[i] === byte)
        ? decodeName(entry.nameBytes.subarray(rootBytes.length)).name
        : null,
  };
}

export function isExpectedRecord(relative: string): boolean {
  return EXPECTED_RECORDS.has(relative) || STORAGE_RECORD.test(relative);
}

export function isStorageRecord(relative: string): boolean {
  return STORAGE_RECORD.test(relative);
}

/** `torch.jit.save` archives: `torch.load` hands them to `torch.jit.load` (`_is_torchscript_zip`). */
export function isTorchScriptRecord(relative: string): boolean {
  return relative === "constants.pkl" || relative.startsWith("code/");
}
