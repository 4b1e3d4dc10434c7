import type { Finding, ImportRecord, PlainValue, TensorInfo } from "../inspect/types.js";

export interface StorageRef {
  /** Persistent-id storage key (`"0"`, `"1"`, … in zip files; long decimals in legacy files). */
  key: string;
  /** e.g. `HalfStorage`, `UntypedStorage`. */
  storageClass: string;
  /** Safetensors dtype name of the tensor(s) viewing it: F16, BF16, F32, F64, I64, I32, I16, I8, U8, BOOL, C64, … */
  dtype: string;
  /** `cpu`, `cuda:0`, … */
  location: string;
  /** As declared: elements, or bytes for UntypedStorage. */
  numel: number;
  /** numel × element size: exactly what the storage record must hold. */
  byteSize: number;
}

export interface PickleTensor extends TensorInfo {
  storage: StorageRef;
  storageOffset: number;
}

export interface PickleAnalysis {
  /** Every `_rebuild_tensor_v2/v3` (or `_rebuild_parameter` wrapping one) reachable from the root, with its key path. */
  tensors: PickleTensor[];
  /** Plain scalar leaves by dotted path (`global_step`, `string_to_token.*`, …), capped. */
  values: Record<string, PlainValue>;
  /** Distinct persistent ids, by key. */
  storages: StorageRef[];
  /** Every global, with its verdict. */
  imports: ImportRecord[];
  /** Everything that is not provably safe, plus notes. */
  findings: Finding[];
  /** Offset just past STOP, or null when the stream did not end cleanly. */
  end: number | null;
}

export interface AnalyzeOptions {
  /** zip 5-tuples, legacy 6-tuples, or none allowed (a plain pickle). */
  persistentIds: "zip" | "legacy" | "none";
  /** Where the stream starts inside `bytes` (legacy files stack 5 pickles). */
  start?: number;
  /** Default true: bytes after STOP are a finding (`trailing-bytes`). */
  expectEnd?: boolean;
  /** For messages: `data.pkl`, `pickle #4`, … */
  label?: string;
}

/** Interprets one pickle stream symbolically (nothing is called or imported). Never throws on hostile input. */
export function analyzePickle(bytes: Uint8Array, options: AnalyzeOptions): PickleAnalysis {
  void bytes;
  void options;
  throw new Error("analyzePickle: not implemented yet");
}
