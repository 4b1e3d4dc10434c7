/** What one central-directory record says, plus what its local header says about the same entry. */
export interface ZipEntry {
  /** Position in the central directory (torch takes the archive root from entry 0). */
  index: number;
  /** Name bytes exactly as stored: torch/miniz compare these, not a decoded string. */
  nameBytes: Uint8Array;
  /** UTF-8 decoding of {@link nameBytes} (Latin-1 when the bytes are not UTF-8, reported as an anomaly). */
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /**
   * Where the entry's data starts, from the LOCAL header (`offset + 30 + name_len + extra_len`, as torch's
   * `getRecordOffset`): torch pads each record with a local-only extra field, so the central extra length is useless.
   * Null when the local header is missing or out of bounds.
   */
  dataOffset: number | null;
  local: LocalHeader | null;
}

/** One entry's name in the forms the checks compare, made once per directory. */
export interface ZipNameKeys {
  /** The name bytes as a string of one character per byte: equal keys are equal bytes. */
  exact: string;
  /** {@link exact} with ASCII A–Z lower-cased: equal keys are names miniz (torch) cannot tell apart. */
  folded: string;
  /** The bytes are valid UTF-8 (else {@link ZipEntry.name} is their Latin-1 decoding). */
  utf8: boolean;
}

export interface LocalHeader {
  nameBytes: Uint8Array;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  extraLength: number;
}

export type ZipAnomalyCode =
  | "duplicate-name"
  | "duplicate-name-case-insensitive"
  | "unsafe-name"
  | "non-utf8-name"
  | "unsupported-flags"
  | "local-header-missing"
  | "local-headers-unread"
  | "local-name-mismatch"
  | "local-header-mismatch"
  | "data-out-of-bounds"
  | "overlapping-entries"
  | "overlaps-central-directory"
  | "entry-after-central-directory"
  | "trailing-bytes"
  | "comment-overruns-file"
  | "ignored-end-record"
  | "zip64-mismatch"
  | "gap-before-end-record";

export interface ZipAnomaly {
  code: ZipAnomalyCode;
  /** Indexes of the entries concerned (empty for directory-level anomalies). */
  entries: number[];
  message: string;
}

export interface ZipDirectory {
  /** File size the directory was bounded by. */
  size: number;
  entries: ZipEntry[];
  /** Each entry's name keys, by entry index. */
  nameKeys: ZipNameKeys[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Offset of the (32-bit) end-of-central-directory record. */
  endRecordOffset: number;
  /** A zip64 end record was found through its locator and supplied the directory's position. */
  zip64: boolean;
  anomalies: ZipAnomaly[];
}
