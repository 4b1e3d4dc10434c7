import type { ZipEntry, ZipNameKeys } from "./zip.js";
import { decodeName, foldByteString, utf8ByteString } from "./zip-names.js";

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

/**
 * Null when the first entry has no `/`: torch refuses such archives ("file in archive is not in a subdirectory").
 * `keys` are the entries' name keys by index ({@link ZipDirectory.nameKeys}); every name is resolved here once.
 */
export function torchZipLayout(entries: readonly ZipEntry[], keys: readonly ZipNameKeys[]): TorchZipLayout | null {
  const first = entries[0];
  const slash = first?.nameBytes.indexOf(0x2f) ?? -1;
  if (!first || slash < 0) return null;
  const rootExact = keys[first.index]!.exact.slice(0, slash + 1);
  const index = new Map<string, ZipEntry[]>();
  const relative = new Map<ZipEntry, string>();
  for (const entry of entries) {
    const { exact, folded, utf8 } = keys[entry.index]!;
    const list = index.get(folded);
    if (list) list.push(entry);
    else index.set(folded, [entry]);
    if (exact.length > rootExact.length && exact.startsWith(rootExact)) {
      // an ASCII name is its own decoding; any other is decoded after the root, as torch strips the root bytes
      const ascii = utf8 && entry.name === exact;
      relative.set(entry, ascii ? exact.slice(rootExact.length) : decodeName(entry.nameBytes.subarray(slash + 1)).name);
    }
  }
  const rootKey = foldByteString(rootExact);
  return {
    root: decodeName(first.nameBytes.subarray(0, slash)).name,
    lookup: (name) => index.get(rootKey + foldByteString(utf8ByteString(name))) ?? [],
    relativeName: (entry) => relative.get(entry) ?? null,
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
