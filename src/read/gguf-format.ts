/**
 * Constants of the GGUF container (llama.cpp `ggml/include/gguf.h` + `ggml/src/ggml.c` type traits, as documented in
 * the GGUF specification): the metadata value types, and the size of every ggml tensor type, which is what turns a
 * tensor table into byte ranges that can be checked against the file size.
 */

/** Metadata value types, by their u32 code in the file. */
export const GGUF_VALUE_TYPES = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "float32",
  "bool",
  "string",
  "array",
  "uint64",
  "int64",
  "float64",
] as const;
export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];

/** Bytes of each fixed-size value type; strings and arrays have a length prefix instead. */
export const GGUF_SCALAR_BYTES: Readonly<Partial<Record<GgufValueType, number>>> = {
  uint8: 1,
  int8: 1,
  bool: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  uint64: 8,
  int64: 8,
  float64: 8,
};

/** A ggml tensor type: elements per block and bytes per block (a plain type is a block of one element). */
export interface GgmlType {
  name: string;
  blockSize: number;
  typeSize: number;
}

/**
 * ggml tensor types by id. Gaps are ids ggml has retired (4, 5: Q4_2/Q4_3; 31–33 and 36–38: repacked layouts that
 * are never written to files); a file naming one is refused, since its data size cannot be known.
 */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map(
  (
    [
      [0, "F32", 1, 4],
      [1, "F16", 1, 2],
      [2, "Q4_0", 32, 18],
      [3, "Q4_1", 32, 20],
      [6, "Q5_0", 32, 22],
      [7, "Q5_1", 32, 24],
      [8, "Q8_0", 32, 34],
      [9, "Q8_1", 32, 36],
      [10, "Q2_K", 256, 84],
      [11, "Q3_K", 256, 110],
      [12, "Q4_K", 256, 144],
      [13, "Q5_K", 256, 176],
      [14, "Q6_K", 256, 210],
      [15, "Q8_K", 256, 292],
      [16, "IQ2_XXS", 256, 66],
      [17, "IQ2_XS", 256, 74],
      [18, "IQ3_XXS", 256, 98],
      [19, "IQ1_S", 256, 50],
      [20, "IQ4_NL", 32, 18],
      [21, "IQ3_S", 256, 110],
      [22, "IQ2_S", 256, 82],
      [23, "IQ4_XS", 256, 136],
      [24, "I8", 1, 1],
      [25, "I16", 1, 2],
      [26, "I32", 1, 4],
      [27, "I64", 1, 8],
      [28, "F64", 1, 8],
      [29, "IQ1_M", 256, 56],
      [30, "BF16", 1, 2],
      [34, "TQ1_0", 256, 54],
      [35, "TQ2_0", 256, 66],
      [39, "MXFP4", 32, 17],
    ] as const
  ).map(([id, name, blockSize, typeSize]) => [id, { name, blockSize, typeSize }]),
);

/** `general.alignment` when the file does not set it (the specification's default). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/**
 * Why a GGUF header was refused. Codes are the machine-readable reason; `truncated` is a file shorter than its
 * tensor table declares (an incomplete download), reported with the tensors still listed.
 */
export type GgufErrorCode =
  | "bad-magic"
  | "unsupported-version"
  | "header-truncated"
  | "header-too-large"
  | "too-many-tensors"
  | "too-many-keys"
  | "string-too-long"
  | "array-too-long"
  | "array-too-deep"
  | "invalid-string"
  | "invalid-value-type"
  | "invalid-alignment"
  | "invalid-tensor"
  | "duplicate-tensor"
  | "truncated";

export class GgufError extends Error {
  override readonly name = "GgufError";

  constructor(
    readonly code: GgufErrorCode,
    message: string,
  ) {
    super(message);
  }
}
