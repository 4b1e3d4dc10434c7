/** Why no central directory could be parsed; anything less severe is a {@link ZipAnomaly} instead. */
export type ZipFormatErrorCode =
  | "no-end-record"
  | "bad-zip64-end-record"
  | "multi-disk"
  | "central-directory-out-of-bounds"
  | "central-directory-too-large"
  | "too-many-entries"
  | "bad-central-header";

export class ZipFormatError extends Error {
  override readonly name = "ZipFormatError";

  constructor(
    readonly code: ZipFormatErrorCode,
    message: string,
  ) {
    super(message);
  }
}
