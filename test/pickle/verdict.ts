import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import type { Verdict } from "../../src/model/verdict.js";
import type { PickleAnalysis } from "../../src/pickle/analyze.js";

/** The verdict the report would give this analysis alone. */
export function verdictOf(analysis: Pick<PickleAnalysis, "findings" | "imports">): Verdict {
  return buildSafetyReport(analysis.findings, analysis.imports).verdict;
}

/** Reason codes of the findings at the given severity. */
export function codes(analysis: Pick<PickleAnalysis, "findings">, severity?: Verdict): string[] {
  return [...new Set(analysis.findings.filter((f) => !severity || f.severity === severity).map((f) => f.code))];
}
