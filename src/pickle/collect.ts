import type { KeySegment, PlainValue } from "../inspect/types.js";
import type { PickleTensor } from "./analyze.js";
import type { FindingCollector } from "./findings.js";
import { MAX_LISTED_DEPTH, MAX_TENSORS, MAX_VALUE_LIST_ITEMS, MAX_VALUE_STRING_CHARS, MAX_VALUES } from "./limits.js";
import { MAX_SAFE_BIGINT, MIN_SAFE_BIGINT, type Value } from "./values.js";

export interface Collected {
  tensors: PickleTensor[];
  values: Record<string, PlainValue>;
}

function scalar(value: Value): PlainValue | undefined {
  switch (value.k) {
    case "none":
      return null;
    case "bool":
      return value.v;
    case "int":
      return value.v >= MIN_SAFE_BIGINT && value.v <= MAX_SAFE_BIGINT ? Number(value.v) : value.v.toString();
    case "float":
      return Number.isFinite(value.v) ? value.v : String(value.v);
    case "str":
      return value.v.length > MAX_VALUE_STRING_CHARS ? value.v.slice(0, MAX_VALUE_STRING_CHARS) : value.v;
    case "object":
      return value.plain;
    default:
      return undefined;
  }
}

/** A short list of scalars (e.g. hypernetwork `layer_structure`), kept whole as one value. */
function scalarList(value: Value): PlainValue[] | undefined {
  if ((value.k !== "list" && value.k !== "tuple") || value.items.length > MAX_VALUE_LIST_ITEMS) return undefined;
  const out: PlainValue[] = [];
  for (const item of value.items) {
    const s = scalar(item);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function keySegment(key: Value): KeySegment {
  if (key.k === "str") return key.v;
  if (key.k === "int") return key.v >= MIN_SAFE_BIGINT && key.v <= MAX_SAFE_BIGINT ? Number(key.v) : key.v.toString();
  if (key.k === "bool") return key.v ? "True" : "False";
  if (key.k === "none") return "None";
  if (key.k === "float") return String(key.v);
  if (key.k === "global") return key.g.resolved;
  return `<${key.k}>`;
}

interface Frame {
  value: Extract<Value, { k: "dict" | "list" | "tuple" }>;
  /** The container holding this one, and this one's key in it: the path is built only for what is listed. */
  parent: Frame | null;
  segment: KeySegment | null;
  depth: number;
  next: number;
}

function pathOf(frame: Frame | null, last: KeySegment | null): KeySegment[] {
  const path: KeySegment[] = last === null ? [] : [last];
  for (let f = frame; f && f.segment !== null; f = f.parent) path.push(f.segment);
  return path.reverse();
}

/**
 * Lists tensors and plain values reachable from the root, in pickle order. Iterative, and each container is entered
 * once, so shared or cyclic structures (a memo "billion laughs" DAG) cost one visit per container and edge; key
 * paths are built only for what is listed, and containers deeper than MAX_LISTED_DEPTH are not entered.
 * A container reachable under two paths is listed under the first.
 */
export function collectTensors(root: Value, findings: FindingCollector): Collected {
  const tensors: PickleTensor[] = [];
  const values: Record<string, PlainValue> = Object.create(null) as Record<string, PlainValue>;
  let valueCount = 0;
  let omittedTensors = 0;
  let tooDeep = 0;
  const visited = new Set<Value>();
  const frames: Frame[] = [];

  const visit = (held: Value, parent: Frame | null, segment: KeySegment | null): void => {
    const value = held.k === "object" && held.items ? held.items : held;
    if (value.k === "tensor") {
      if (tensors.length >= MAX_TENSORS) {
        omittedTensors++;
        return;
      }
      const { dtype, shape, storage, storageOffset } = value.t;
      const path = pathOf(parent, segment);
      tensors.push({ name: path.join("."), path, dtype, shape, storage, storageOffset });
      return;
    }
    // Not `??`: a Python None is the plain value null.
    const single = scalar(value);
    const plain = single !== undefined ? single : scalarList(value);
    if (plain !== undefined) {
      if (valueCount < MAX_VALUES) {
        values[pathOf(parent, segment).join(".")] = plain;
        valueCount++;
      }
      return;
    }
    if ((value.k === "dict" || value.k === "list" || value.k === "tuple") && !visited.has(value)) {
      const depth = parent ? parent.depth + 1 : 0;
      if (depth > MAX_LISTED_DEPTH) {
        tooDeep++;
        return;
      }
      visited.add(value);
      frames.push({ value, parent, segment, depth, next: 0 });
    }
  };

  visit(root, null, null);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const { value } = frame;
    if (value.k === "dict") {
      const entry = value.entries[frame.next++];
      if (!entry) frames.pop();
      else visit(entry[1], frame, keySegment(entry[0]));
    } else {
      const index = frame.next++;
      if (index >= value.items.length) frames.pop();
      else visit(value.items[index]!, frame, index);
    }
  }
  if (omittedTensors > 0) {
    findings.add("suspicious", "invalid", `${omittedTensors} tensors beyond the first ${MAX_TENSORS} are not listed`);
  }
  if (tooDeep > 0) {
    findings.add(
      "suspicious",
      "invalid",
      `${tooDeep} containers nested deeper than ${MAX_LISTED_DEPTH} levels are not listed`,
    );
  }
  return { tensors, values: { ...values } };
}
