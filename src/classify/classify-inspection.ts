import type { Inspection } from "../inspect/types.js";
import { classify } from "./classify.js";
import { classifyDiffusersFolder } from "./diffusers-pipeline.js";
import type { Classification } from "./types.js";

/** What a file with nothing to classify is reported as. */
export const UNCLASSIFIED: Classification = {
  kind: "unknown",
  algorithm: null,
  base: "unknown",
  variant: null,
  architecture: null,
  confidence: "low",
  evidence: [],
};

/**
 * Classifies whatever was learned. A file that could not be listed (no tensors, an error) has nothing to
 * classify and is reported as unknown instead of as the classifier's empty-input guess.
 */
export function classifyInspection(inspection: Inspection): Classification {
  if (inspection.diffusers) return classifyDiffusersFolder(inspection.diffusers);
  if (inspection.error !== null && inspection.tensors.length === 0) return UNCLASSIFIED;
  return classify({ tensors: inspection.tensors, metadata: inspection.metadata, values: inspection.values });
}
