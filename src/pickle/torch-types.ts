/**
 * Storage classes and dtypes as torch pickles them, mapped to safetensors dtype names (pytorch/pytorch:
 * torch/storage.py `_dtype_to_storage_type_map`, torch/_utils.py `_element_size`). Names without a safetensors
 * equivalent keep a descriptive upper-case name (`C128`, `QINT8`).
 */

export interface ElementType {
  dtype: string;
  /** Bytes per element. */
  size: number;
}

/** `torch.<Class>` in a persistent id → the dtype its numel counts. */
export const STORAGE_CLASSES: ReadonlyMap<string, ElementType> = new Map([
  ["DoubleStorage", { dtype: "F64", size: 8 }],
  ["FloatStorage", { dtype: "F32", size: 4 }],
  ["HalfStorage", { dtype: "F16", size: 2 }],
  ["BFloat16Storage", { dtype: "BF16", size: 2 }],
  ["LongStorage", { dtype: "I64", size: 8 }],
  ["IntStorage", { dtype: "I32", size: 4 }],
  ["ShortStorage", { dtype: "I16", size: 2 }],
  ["CharStorage", { dtype: "I8", size: 1 }],
  ["ByteStorage", { dtype: "U8", size: 1 }],
  ["BoolStorage", { dtype: "BOOL", size: 1 }],
  ["ComplexFloatStorage", { dtype: "C64", size: 8 }],
  ["ComplexDoubleStorage", { dtype: "C128", size: 16 }],
  ["QInt8Storage", { dtype: "QINT8", size: 1 }],
  ["QUInt8Storage", { dtype: "QUINT8", size: 1 }],
  ["QUInt4x2Storage", { dtype: "QUINT4X2", size: 1 }],
  ["QUInt2x4Storage", { dtype: "QUINT2X4", size: 1 }],
  ["QInt32Storage", { dtype: "QINT32", size: 4 }],
  // numel counts bytes; the tensor's dtype comes from the `_rebuild_tensor_v3` dtype argument.
  ["UntypedStorage", { dtype: "U8", size: 1 }],
]);

/** `torch.<dtype>` globals (the `_rebuild_tensor_v3` dtype argument). */
export const TORCH_DTYPES: ReadonlyMap<string, ElementType> = new Map([
  ["float64", { dtype: "F64", size: 8 }],
  ["float32", { dtype: "F32", size: 4 }],
  ["float16", { dtype: "F16", size: 2 }],
  ["bfloat16", { dtype: "BF16", size: 2 }],
  ["int64", { dtype: "I64", size: 8 }],
  ["int32", { dtype: "I32", size: 4 }],
  ["int16", { dtype: "I16", size: 2 }],
  ["int8", { dtype: "I8", size: 1 }],
  ["uint8", { dtype: "U8", size: 1 }],
  ["bool", { dtype: "BOOL", size: 1 }],
  ["complex64", { dtype: "C64", size: 8 }],
  ["complex128", { dtype: "C128", size: 16 }],
  ["float8_e5m2", { dtype: "F8_E5M2", size: 1 }],
  ["float8_e4m3fn", { dtype: "F8_E4M3", size: 1 }],
  ["float8_e5m2fnuz", { dtype: "F8_E5M2FNUZ", size: 1 }],
  ["float8_e4m3fnuz", { dtype: "F8_E4M3FNUZ", size: 1 }],
  ["float8_e8m0fnu", { dtype: "F8_E8M0", size: 1 }],
  ["uint16", { dtype: "U16", size: 2 }],
  ["uint32", { dtype: "U32", size: 4 }],
  ["uint64", { dtype: "U64", size: 8 }],
  ["complex32", { dtype: "C32", size: 4 }],
  ["bits8", { dtype: "BITS8", size: 1 }],
  ["bits16", { dtype: "BITS16", size: 2 }],
  ["bits1x8", { dtype: "BITS1X8", size: 1 }],
  ["bits2x4", { dtype: "BITS2X4", size: 1 }],
  ["bits4x2", { dtype: "BITS4X2", size: 1 }],
]);

/** Storage locations torch writes (`cpu`, `cuda:0`, …); anything else is suspicious. */
export const STORAGE_LOCATION = /^(cpu|cuda(:\d+)?|mps|meta|xpu(:\d+)?|hpu(:\d+)?)$/;

/** Zip keys are `str(len(id_map))`; legacy keys are `str(storage._cdata)`: both decimal, never a path. */
export const STORAGE_KEY = /^\d+$/;
