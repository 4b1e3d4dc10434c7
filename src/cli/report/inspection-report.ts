import type { InspectedFile } from "../../app/inspected-file.js";
import type { Classification } from "../../classify/types.js";
import type { FileFormat, InspectError, Inspection } from "../../inspect/types.js";
import { judgeLoadEverywhere, type LoadJudgement } from "../../install/will-load.js";
import type { Verdict } from "../../model/verdict.js";
import { EXIT_DANGEROUS, EXIT_FILE_ERROR, EXIT_OK } from "../exit-codes.js";
import { type NameMismatch, nameMismatch } from "./name-mismatch.js";

/** One element of `sdmodels inspect --json`: the published contract, so keys are only ever added, at the end. */
export type InspectErrorReport = Pick<InspectError, "code" | "message" | "io">;

export interface InspectionReport {
  path: string;
  format: FileFormat;
  size: number;
  tensors: number;
  dtypes: Record<string, number>;
  metadata: Record<string, string> | null;
  kind: Classification["kind"];
  algorithm: Classification["algorithm"];
  base: Classification["base"];
  evidence: string[];
  safety: { verdict: Verdict; reasons: string[]; imports: string[] };
  error: InspectErrorReport | null;
  variant: string | null;
  architecture: string | null;
  confidence: Classification["confidence"];
  bytesRead: number;
  /** LoRAs only: the module naming (kohya, diffusers, …, lora-diffusion). */
  loraFormat: Classification["loraFormat"] | null;
  /** Per UI, whether it loads the file (src/install/will-load.ts); empty for an unknown file. */
  loads: LoadJudgement[];
  /** The extension names the other container (a pickle named .safetensors, …); null when the name fits. */
  nameMismatch: NameMismatch | null;
  /** The id of the rule or probe behind each `evidence` sentence, in the same order: read these, not the wording. */
  evidenceRules: string[];
}

export function inspectionReport({ inspection, tensors, classification }: InspectedFile): InspectionReport {
  return {
    path: inspection.path,
    format: inspection.format,
    size: inspection.size,
    tensors: tensors.count,
    dtypes: tensors.dtypes,
    metadata: inspection.metadata,
    kind: classification.kind,
    algorithm: classification.algorithm,
    base: classification.base,
    evidence: classification.evidence.map((e) => e.text),
    safety: {
      verdict: inspection.safety.verdict,
      reasons: inspection.safety.reasons,
      imports: [...new Set(inspection.safety.imports.map((i) => i.resolved))],
    },
    error: inspection.error && errorReport(inspection.error),
    variant: classification.variant,
    architecture: classification.architecture,
    confidence: classification.confidence,
    bytesRead: inspection.bytesRead,
    loraFormat: classification.loraFormat ?? null,
    loads: classification.kind === "unknown" ? [] : judgeLoadEverywhere(classification, inspection.format),
    nameMismatch: nameMismatch(inspection.path, inspection.format),
    evidenceRules: classification.evidence.map((e) => e.rule),
  };
}

/**
 * The published shape of an error (`code`, `message`, `io`): the typed details the table words its notes from
 * (`missing`, `errorPage`) stay out of the contract, their facts are in the message.
 */
export function errorReport(error: InspectError): InspectErrorReport {
  return { code: error.code, message: error.message, ...(error.io ? { io: true } : {}) };
}

/** 3 if any file is dangerous (it matters more than a read error), else 2 if any had an error, else 0. */
export function inspectExitCode(inspections: readonly Pick<Inspection, "safety" | "error">[]): number {
  if (inspections.some((i) => i.safety.verdict === "dangerous")) return EXIT_DANGEROUS;
  if (inspections.some((i) => i.error !== null)) return EXIT_FILE_ERROR;
  return EXIT_OK;
}
