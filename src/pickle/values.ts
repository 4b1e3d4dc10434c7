import type { ImportRecord, PlainValue } from "../inspect/types.js";
import type { StorageRef } from "./analyze.js";
import type { GlobalClass } from "./judge-global.js";

/** A global as the stream named it, with its judgement; one per GLOBAL/STACK_GLOBAL/INST occurrence. */
export interface GlobalRef {
  resolved: string;
  class: GlobalClass;
  record: ImportRecord;
}

export interface TensorValue {
  dtype: string;
  shape: number[];
  storage: StorageRef;
  storageOffset: number;
}

/**
 * Symbolic values. Containers hold references to other values, never copies, so shared and cyclic
 * structures cost one reference each. Nothing here is ever called.
 */
export type Value =
  | { k: "none" }
  | { k: "bool"; v: boolean }
  | { k: "int"; v: bigint }
  | { k: "float"; v: number }
  | { k: "str"; v: string }
  /** Content kept only for short values (numpy scalars); `length` always. */
  | { k: "bytes"; length: number; data: Uint8Array | null }
  | { k: "tuple"; items: Value[] }
  | { k: "list"; items: Value[] }
  /** `ordered` for an `OrderedDict` built by REDUCE; `built` once its `_metadata` BUILD ran. */
  | { k: "dict"; entries: [Value, Value][]; ordered: boolean; built: boolean }
  | { k: "set"; items: Value[]; frozen: boolean }
  | { k: "global"; g: GlobalRef }
  /**
   * The result of REDUCE/NEWOBJ/INST/OBJ on a global; `plain` when its value is known (numpy scalars); `items` when
   * it is a container whose checked state holds its entries (a ParameterDict's `_parameters`), listed in its place.
   */
  | {
      k: "object";
      of: GlobalRef | null;
      args: Value[];
      built: boolean;
      plain?: PlainValue;
      dtypeName?: string;
      items?: ValueOf<"dict">;
    }
  | { k: "storage"; ref: StorageRef; view: boolean }
  | { k: "tensor"; t: TensorValue }
  /** A value whose construction was rejected; it carries no information and satisfies no rule. */
  | { k: "opaque" };

export type ValueOf<K extends Value["k"]> = Extract<Value, { k: K }>;

/** The bounds of ints a double holds exactly, made once: a BigInt made per comparison is an allocation per value. */
export const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
export const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);

export const NONE: Value = { k: "none" };
export const TRUE: Value = { k: "bool", v: true };
export const FALSE: Value = { k: "bool", v: false };
export const OPAQUE: Value = { k: "opaque" };

/** A short description for messages; never traverses a container. */
export function describe(value: Value): string {
  switch (value.k) {
    case "global":
      return `global ${value.g.resolved}`;
    case "object":
      return value.of ? `${value.of.resolved}(…) result` : "call result";
    case "str":
      return "str";
    default:
      return value.k;
  }
}
