import type { Finding, ImportRecord, SafetyReport, Verdict } from "./types.js";

const RANK: Record<Verdict, number> = { safe: 0, suspicious: 1, dangerous: 2 };

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "safe";
  for (const v of verdicts) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}

/**
 * Folds findings into the report. Readers are responsible for positive proof: whatever they could not prove safe
 * they report as at least a "suspicious" finding, so an empty list really means "safe".
 */
export function buildSafetyReport(findings: readonly Finding[], imports: readonly ImportRecord[]): SafetyReport {
  const verdict = worstVerdict([...findings.map((f) => f.severity), ...imports.map((i) => i.verdict)]);
  const ordered = findings
    .filter((f) => f.severity !== "safe")
    .sort((a, b) => RANK[b.severity] - RANK[a.severity]);
  const reasons = [...new Set(ordered.map((f) => `${f.code}: ${f.message}`))];
  return { verdict, reasons, findings: [...findings], imports: [...imports] };
}
