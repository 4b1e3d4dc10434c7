import type { Finding, ImportRecord, PlainValue, TensorInfo } from "../inspect/types.js";
import { collectTensors } from "./collect.js";
import { FindingCollector } from "./findings.js";
import { type Interpretation, interpretPickle, type PersistentIdMode } from "./interpret.js";
import type { Value } from "./values.js";

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
  /**
   * Every `_rebuild_tensor_v2/v3` (or `_rebuild_parameter` wrapping one) reachable from the root, with its key path.
   */
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
  /**
   * The root when Python would compare it equal to an int (an int, a bool, an integral float), else null: torch
   * checks the legacy magic number and protocol version with `!=`, so only their value matters.
   */
  rootInt: bigint | null;
}

export interface AnalyzeOptions {
  /** Which loader's persistent ids the stream may use (see {@link PersistentIdMode}). */
  persistentIds: PersistentIdMode;
  /** Where the stream starts inside `bytes` (legacy files stack 5 pickles). */
  start?: number;
  /** Default true: bytes after STOP are a finding (`trailing-bytes`). */
  expectEnd?: boolean;
  /** For messages: `data.pkl`, `pickle #4`, … */
  label?: string;
  /**
   * `bytes` is a prefix of a longer stream (the reader's budget ended first): running out of bytes is then a scan
   * limit, not a truncated file, since CPython would read on.
   */
  streamContinues?: boolean;
}

/**
 * Interprets one pickle stream symbolically: nothing is called or imported, every global is judged, and every rule
 * violation becomes a finding. Never throws on hostile input; bounded by the limits in limits.ts.
 */
export function analyzePickle(bytes: Uint8Array, options: AnalyzeOptions): PickleAnalysis {
  const start = options.start ?? 0;
  const findings = new FindingCollector(options.label ?? "pickle");
  const empty: PickleAnalysis = {
    tensors: [],
    values: {},
    storages: [],
    imports: [],
    findings: [],
    end: null,
    rootInt: null,
  };
  if (!Number.isSafeInteger(start) || start < 0 || start >= bytes.length) {
    findings.add("suspicious", "invalid", "no pickle data at the given offset");
    return { ...empty, findings: findings.list() };
  }
  let run: Interpretation | null = null;
  try {
    run = interpretPickle(bytes, start, options.persistentIds, findings, options.streamContinues ?? false);
    const { tensors, values } = run.root ? collectTensors(run.root, findings) : { tensors: [], values: {} };
    if (run.end !== null && (options.expectEnd ?? true) && run.end < bytes.length) {
      findings.add("suspicious", "trailing-bytes", `${bytes.length - run.end} bytes after STOP`);
    }
    return {
      tensors,
      values,
      storages: [...run.storages.values()],
      imports: run.imports,
      findings: findings.list(),
      end: run.end,
      rootInt: run.root ? intValue(run.root) : null,
    };
  } catch (error) {
    // Only a defect in this module gets here; fail closed rather than throw.
    findings.add(
      "dangerous",
      "unscannable",
      `analysis failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { ...empty, imports: run?.imports ?? [], findings: findings.list() };
  }
}

function intValue(root: Value): bigint | null {
  if (root.k === "int") return root.v;
  if (root.k === "bool") return root.v ? 1n : 0n;
  if (root.k === "float" && Number.isInteger(root.v)) return BigInt(root.v);
  return null;
}
