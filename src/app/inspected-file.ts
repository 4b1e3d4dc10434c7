import { classifyInspection } from "../classify/classify-inspection.js";
import type { Classification } from "../classify/types.js";
import type { Inspection, TensorInfo } from "../inspect/types.js";

/** What `inspect` shows of a file's tensors: how many, and how many of each dtype, most common first. */
export interface TensorSummary {
  count: number;
  dtypes: Record<string, number>;
}

/**
 * One file as `inspect` and `download` report it: the inspection without its tensor list and plain pickle values,
 * their summary, and the classification made from the whole inspection (evidence included). Made where the file was
 * inspected, a worker thread for many files, so a torch checkpoint's ~1,800 tensor infos never cross to the main
 * thread, whose young generation cannot be capped and grows with every object it receives.
 */
export interface InspectedFile {
  inspection: Omit<Inspection, "tensors" | "values">;
  tensors: TensorSummary;
  classification: Classification;
}

/** Classifies `full` and keeps what {@link InspectedFile} holds. */
export function inspectedFile(full: Inspection): InspectedFile {
  const classification = classifyInspection(full);
  const { tensors, values: _values, ...inspection } = full;
  return { inspection, tensors: { count: tensors.length, dtypes: dtypeCounts(tensors) }, classification };
}

/** Tensor count per dtype, most common first, so a mixed file reads `{"F16": 1129, "F32": 2}`. */
export function dtypeCounts(tensors: readonly TensorInfo[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const t of tensors) counts.set(t.dtype, (counts.get(t.dtype) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}
