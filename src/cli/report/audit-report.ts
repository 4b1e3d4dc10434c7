import { relative, sep } from "node:path";
import type { AuditOutcome } from "../../app/audit.js";
import type { AuditFinding, AuditFindingType } from "../../app/audit-findings.js";
import type { InstallOutcome } from "../../app/install-pipeline.js";
import type { QuarantineProblem } from "../../app/quarantine-folder.js";
import type { WebuiEvidence } from "../../install/types.js";
import { EXIT_DANGEROUS, EXIT_FILE_ERROR, EXIT_INTERRUPTED, EXIT_OK } from "../exit-codes.js";
import { errorReport } from "./inspection-report.js";
import { type InstallReport, installReport, type SkipReasonReport, skipReasonReport } from "./install-report.js";
import { skipReasonText } from "./plan-messages.js";
import { webuiEvidenceText } from "./webui-evidence.js";

/** A finding as `--json` shows it: a skip reason also in words, as `sort --json` shows one. */
export type AuditFindingReport =
  | Exclude<AuditFinding, { type: "not-loaded" }>
  | (Omit<Extract<AuditFinding, { type: "not-loaded" }>, "reason"> & { reason: SkipReasonReport });

/** `sdmodels audit --json`: the published contract, so keys are only ever added, at the end. */
export interface AuditReport {
  /** `evidenceFacts`: `evidence` typed (`type` plus fields), for programs that should not read the words. */
  webui: { root: string; ui: string; evidence: string[]; evidenceFacts: WebuiEvidence[] };
  /** Model folders walked. */
  folders: string[];
  files: number;
  bytes: number;
  findings: AuditFindingReport[];
  summary: { problems: number; byType: Partial<Record<AuditFindingType, number>>; wastedBytes: number };
  quarantine: string | null;
  /** The `--fix` plan and its result, exactly as `sort --json` reports one; null without `--fix`. */
  fix: InstallReport | null;
  /** Why `--fix` moved nothing although it could have: the quarantine folder cannot be used. */
  quarantineProblem: QuarantineProblem | null;
}

/** Findings that are housekeeping, not problems a user must act on. */
const NOT_PROBLEMS: ReadonlySet<AuditFindingType> = new Set(["suspicious", "unknown", "orphan-sidecar"]);

export function isProblem(finding: AuditFinding): boolean {
  return !NOT_PROBLEMS.has(finding.type);
}

/** The `--fix` batch as install and sort report theirs (it moves no download and looks nothing up on Civitai). */
export function fixOutcome(outcome: AuditOutcome): InstallOutcome | null {
  return outcome.fix && { ...outcome.fix, target: outcome.target, civitai: [] };
}

export function auditReport(outcome: AuditOutcome): AuditReport {
  const byType: Partial<Record<AuditFindingType, number>> = {};
  for (const f of outcome.findings) byType[f.type] = (byType[f.type] ?? 0) + 1;
  return {
    webui: {
      root: outcome.target.root,
      ui: outcome.target.ui,
      evidence: outcome.target.evidence.map(webuiEvidenceText),
      evidenceFacts: outcome.target.evidence,
    },
    folders: outcome.folders.map((f) => f.path),
    files: outcome.files.length,
    bytes: outcome.files.reduce((sum, f) => sum + f.candidate.size, 0),
    findings: outcome.findings.map((f) => {
      if (f.type === "not-loaded") return { ...f, reason: skipReasonReport(f.reason) };
      if (f.type === "not-a-model" || f.type === "unreadable") return { ...f, error: errorReport(f.error) };
      return f;
    }),
    summary: {
      problems: outcome.findings.filter(isProblem).length,
      byType,
      wastedBytes: outcome.findings.reduce((sum, f) => sum + (f.type === "duplicate" ? f.wastedBytes : 0), 0),
    },
    quarantine: outcome.quarantineDir,
    fix: outcome.fix && installReport(fixOutcome(outcome)!),
    quarantineProblem: outcome.quarantineProblem,
  };
}

/**
 * 130/143 when SIGINT/SIGTERM stopped the fix (as for install and sort); else 3 while a dangerous file is still where
 * a UI loads it: every dangerous finding counts until the fix reports its own move done (a link the planner skipped, a
 * move skipped as changed, a batch that stopped or never ran all leave it in place); else 2 when the fix failed, left
 * a conflict or could not use the quarantine folder, or a file could not be read; else 0: findings are the report, not a failure.
 */
export function auditExitCode(report: AuditReport): number {
  const interrupted = report.fix?.interrupted;
  if (interrupted) return EXIT_INTERRUPTED[interrupted === "SIGTERM" ? "SIGTERM" : "SIGINT"];
  const moved = new Set((report.fix?.results ?? []).filter((r) => r.status === "done").map((r) => r.source));
  if (report.findings.some((f) => f.type === "dangerous" && !moved.has(f.path))) return EXIT_DANGEROUS;
  if (report.fix !== null && (report.fix.failure !== null || report.fix.summary.conflicts > 0)) return EXIT_FILE_ERROR;
  if (report.quarantineProblem !== null) return EXIT_FILE_ERROR;
  if ((report.summary.byType.unreadable ?? 0) > 0) return EXIT_FILE_ERROR;
  return EXIT_OK;
}

/**
 * Headings of each group, and what `--fix` (or, where it takes one, `--fix` with `flag`) does to it; the one place
 * where finding types become words.
 */
export const FINDING_TITLES: Readonly<Record<AuditFindingType, { title: string; fix: string | null; flag?: string }>> =
  {
    dangerous: { title: "dangerous: code runs when loaded", fix: "quarantined" },
    "not-a-model": { title: "not models: error pages, empty files, cut-off downloads", fix: "quarantined" },
    misplaced: { title: "misplaced: the UI does not load them from where they are", fix: "moved to where they belong" },
    duplicate: { title: "duplicates", fix: "extra copies quarantined" },
    "wrong-extension": { title: "wrong extension: the loader picks its reader by extension", fix: "renamed" },
    suspicious: { title: "suspicious: not provably safe", fix: "quarantined", flag: "--quarantine-suspicious" },
    "not-loaded": { title: "not loaded by this UI", fix: null },
    unreadable: { title: "unreadable", fix: null },
    unknown: { title: "unknown: not a model file sdmodels knows", fix: null },
    "orphan-sidecar": { title: "orphan sidecars: their model is gone", fix: null },
  };

/** Why `--fix` moved nothing, in words. */
export function quarantineProblemText(problem: QuarantineProblem): string {
  switch (problem.type) {
    case "not-a-folder":
      return `cannot quarantine: ${problem.path} is not a folder; nothing was moved`;
    case "inside-model-folder":
      return (
        `cannot quarantine: ${problem.path} leads through a link to ${problem.real}, ` +
        `inside the model folder ${problem.modelFolder}; nothing was moved`
      );
  }
}

/** A path as the report shows it: relative to the WebUI root when inside it. */
export function webuiRelative(path: string, root: string): string {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." ? rel : path;
}

/** What the user should do about a finding `--fix` does not settle by default, or null. */
export function findingAdvice(f: AuditFinding): string | null {
  if (f.type !== "suspicious") return null;
  const inspect = `\`sdmodels inspect ${f.path}\``;
  return `keep it only if you trust its source (prefer a .safetensors release); ${inspect} says why`;
}

/** One line of explanation per finding (without its path), for the text and HTML reports alike. */
export function findingNote(f: AuditFinding, root: string): string {
  switch (f.type) {
    case "misplaced":
      return `${f.kind}${f.base === "unknown" ? "" : ` · ${f.base}`} → belongs in ${webuiRelative(f.belongs, root)}`;
    case "dangerous":
    case "suspicious":
      return f.reasons[0] ?? f.type;
    case "not-a-model":
    case "unreadable":
      return f.error.message;
    case "wrong-extension":
      return f.name === null
        ? `${f.format} content under a safetensors name: refused, not renamed`
        : `${f.format} content: should be named ${f.name}`;
    case "duplicate":
      return `${f.copies.length + 1} copies of ${f.sha256.slice(0, 12)}…, kept ${webuiRelative(f.keep, root)}`;
    case "not-loaded":
      return skipReasonText(f.reason);
    case "unknown":
      return "unknown kind: left alone";
    case "orphan-sidecar":
      return "no model with this name beside it";
  }
}
