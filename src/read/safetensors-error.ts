/**
 * Error variants of the reference header check (`huggingface/safetensors` `SafeTensorError`), in the order
 * `read_metadata` + `Metadata::validate` can produce them. The variant name is the machine-readable reason, so users
 * can match it against what Python prints (`Error while deserializing header: MetadataIncompleteBuffer`).
 */
export type SafetensorsReferenceErrorCode =
  | "HeaderTooSmall"
  | "HeaderTooLarge"
  | "InvalidHeaderLength"
  | "InvalidHeader"
  | "InvalidHeaderDeserialization"
  | "InvalidOffset"
  | "ValidationOverflow"
  | "MisalignedSlice"
  | "TensorInvalidInfo"
  | "MetadataIncompleteBuffer";

/**
 * `too-many-tensors` is sdmodels policy, not a reference variant: the reference would go on to allocate a record per
 * tensor, which is what the cap exists to prevent.
 */
export type SafetensorsErrorCode = SafetensorsReferenceErrorCode | "too-many-tensors";

export class SafetensorsError extends Error {
  override readonly name = "SafetensorsError";

  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
