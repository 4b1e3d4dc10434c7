import { classifyInspection } from "../classify/classify-inspection.js";
import type { Classification } from "../classify/types.js";
import type { Inspection } from "../inspect/types.js";
import { keptMetadata } from "./kept-metadata.js";

/**
 * A file as `install`, `sort` and `audit` keep it once classified, for as long as the run lasts (at 100,000 files,
 * every kilobyte kept per file is 100 MB). What only classification reads is dropped: the tensor lists (a 1,000-file
 * folder holds about a million tensor infos) and plain pickle values; so is the classification's evidence, which
 * only `inspect` prints; of the header metadata only what the HTML report shows is kept ({@link keptMetadata}).
 */
export interface ClassifiedInspection {
  inspection: Omit<Inspection, "tensors" | "values">;
  classification: Classification;
}

/** Classifies `full` exactly as `inspect` does and keeps only what {@link ClassifiedInspection} holds. */
export function classifiedInspection(full: Inspection): ClassifiedInspection {
  const classification = classifyInspection(full);
  const { tensors: _tensors, values: _values, ...inspection } = full;
  inspection.metadata = keptMetadata(inspection.metadata);
  return { inspection, classification: { ...classification, evidence: [] } };
}
