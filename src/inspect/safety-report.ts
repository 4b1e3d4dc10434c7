import { verdictRank, worstVerdict } from "../model/verdict.js";
import type { Finding, ImportRecord, SafetyReport } from "./types.js";

/**
 * Folds findings into the report. Readers are responsible for positive proof: whatever they could not prove safe
 * they report as at least a "suspicious" finding, so an empty list really means "safe".
 */
export function buildSafetyReport(findings: readonly Finding[], imports: readonly ImportRecord[]): SafetyReport {
  const verdict = worstVerdict([...findings.map((f) => f.severity), ...imports.map((i) => i.verdict)]);
  const ordered = findings
    .filter((f) => f.severity !== "safe")
    .sort((a, b) => verdictRank(b.severity) - verdictRank(a.severity));
  const reasons = [...new Set(ordered.map((f) => `${f.code}: ${f.message}`))];
  return { verdict, reasons, findings: [...findings], imports: [...imports] };
}
