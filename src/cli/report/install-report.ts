import type { CivitaiMatch } from "../../app/civitai-lookup.js";
import type { InstallOutcome } from "../../app/install-pipeline.js";
import type { Algorithm, Base, Kind } from "../../classify/types.js";
import type { FileFormat, InspectError, SafetyReport } from "../../inspect/types.js";
import type { SidecarLeft } from "../../install/sidecar-policy.js";
import type {
  AppliedEntry,
  ApplyFailure,
  FolderSetting,
  PlanEntry,
  PlanWarning,
  RecoveredBatch,
  SidecarMove,
  SkipCode,
  SkipReason,
  WebuiEvidence,
} from "../../install/types.js";
import type { LoadJudgement } from "../../install/will-load.js";
import type { Verdict } from "../../model/verdict.js";
import { EXIT_FILE_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_REFUSED } from "../exit-codes.js";
import { applyFailureText, planWarningText, skipReasonText } from "./plan-messages.js";
import { webuiEvidenceText } from "./webui-evidence.js";

/** A skip reason as `--json` shows it: its typed fields, and `message`, the words the table shows for it. */
export type SkipReasonReport = SkipReason & { message: string };

export function skipReasonReport(reason: SkipReason): SkipReasonReport {
  return { ...reason, message: skipReasonText(reason) };
}

/** One plan entry in `install --json` / `sort --json`: the same keys for every action, so jq filters stay simple. */
export interface PlanEntryReport {
  source: string;
  action: PlanEntry["action"];
  destination: string | null;
  kind: Kind;
  algorithm: Algorithm | null;
  base: Base;
  format: FileFormat;
  verdict: Verdict;
  /** Why a file is skipped; null for moves and conflicts. */
  reason: SkipReasonReport | null;
  /** The occupied path of a conflict. */
  existing: string | null;
  renamed: { extension: boolean; conflictWith: string | null } | null;
  sidecars: readonly SidecarMove[];
  /** Sidecars found by name that stay where they are, each with a typed reason (`sidecar-policy.ts`). */
  sidecarsLeft: readonly SidecarLeft[];
  /** The planner's warnings in words ({@link InstallDetails} keeps them typed for the table). */
  warnings: string[];
  civitai: CivitaiMatch | null;
  /** When the target UI will not load the file: its judgement (src/install/will-load.ts), installed or skipped. */
  notLoaded: LoadJudgement | null;
}

export interface InstallSummary {
  files: number;
  /** Files the plan moves (on a dry run: would move). */
  planned: number;
  /** Files actually installed; 0 on a dry run. */
  installed: number;
  duplicates: number;
  /** Other skips by reason code. */
  skipped: Partial<Record<SkipCode, number>>;
  conflicts: number;
  bytes: number;
}

export interface ApplyFailureReport extends ApplyFailure {
  message: string;
}

export interface InstallReport {
  /**
   * `folders`: every folder the UI's own settings set, with the file and line (roots first). `evidenceFacts`: the
   * same steps as `evidence`, typed (`type` plus fields), for programs that should not read the words.
   */
  webui: { root: string; ui: string; evidence: string[]; folders: FolderSetting[]; evidenceFacts: WebuiEvidence[] };
  dryRun: boolean;
  plan: PlanEntryReport[];
  summary: InstallSummary;
  warnings: string[];
  /** Applied runs only (null otherwise): the batch to pass to `sdmodels undo`, and what happened to each move. */
  batchId: string | null;
  journal: string | null;
  results: AppliedEntry[] | null;
  failure: ApplyFailureReport | null;
  /** The signal that stopped the batch, or null. */
  interrupted?: NodeJS.Signals | null;
  /** Batches of killed runs recovered before this one. */
  recovered?: RecoveredBatch[];
}

/** Formats torch.load unpickles: other tools loading such a file can run code hidden in it. */
export const PICKLE_FORMATS: ReadonlySet<FileFormat> = new Set(["torch-zip", "torch-legacy", "pickle"]);

/** Refusals that are about safety (exit 9), as opposed to files that simply have no place (exit 0 for sort). */
const SAFETY_REFUSALS: ReadonlySet<SkipCode> = new Set([
  "dangerous",
  "suspicious-strict",
  "misnamed-pickle",
  "sidecar-refused",
]);
/** Skips that are no failure of the install: the file is already there. */
const ALREADY_THERE: ReadonlySet<SkipCode> = new Set(["duplicate", "in-place"]);

export function planEntryReports(outcome: InstallOutcome): PlanEntryReport[] {
  return [...planEntryRows(outcome)];
}

/**
 * The plan's rows made one at a time, for a writer that streams them: at 100,000 files the rows all at once were
 * about 100 MB, held only to be written.
 */
export function* planEntryRows(outcome: InstallOutcome): Generator<PlanEntryReport> {
  const bySource = new Map(outcome.candidates.map((c) => [c.source, c]));
  const civitai = new Map(outcome.civitai.map((m) => [m.path, m]));
  for (const entry of outcome.plan.entries) {
    const candidate = bySource.get(entry.source);
    const c = candidate?.classification;
    yield {
      source: entry.source,
      action: entry.action,
      destination: entry.destination,
      kind: c?.kind ?? (entry.action === "move" ? entry.kind : "unknown"),
      algorithm: c?.algorithm ?? null,
      base: c?.base ?? (entry.action === "move" ? entry.base : "unknown"),
      format: candidate?.format ?? "unknown",
      verdict: candidate?.verdict ?? "safe",
      reason: entry.action === "skip" ? skipReasonReport(entry.reason) : null,
      existing: entry.action === "conflict" ? entry.existing : null,
      renamed: entry.action === "move" ? entry.renamed : null,
      sidecars: entry.action === "move" ? entry.sidecars : [],
      sidecarsLeft: entry.action === "conflict" ? [] : (entry.sidecarsLeft ?? []),
      warnings: entry.warnings.map(planWarningText),
      civitai: civitai.get(entry.source) ?? null,
      notLoaded:
        entry.action === "move"
          ? (entry.notLoaded ?? null)
          : entry.action === "skip" && "load" in entry.reason
            ? entry.reason.load
            : null,
    };
  }
}

export function installSummary(outcome: InstallOutcome): InstallSummary {
  const skipped: Partial<Record<SkipCode, number>> = {};
  let duplicates = 0;
  for (const e of outcome.plan.entries) {
    if (e.action !== "skip") continue;
    if (e.reason.code === "duplicate") duplicates++;
    else skipped[e.reason.code] = (skipped[e.reason.code] ?? 0) + 1;
  }
  return {
    files: outcome.plan.entries.length,
    planned: outcome.plan.summary.move,
    installed: outcome.applied?.entries.filter((e) => e.status === "done").length ?? 0,
    duplicates,
    skipped,
    conflicts: outcome.plan.summary.conflict,
    bytes: outcome.plan.summary.bytes,
  };
}

/** `--json`'s `failure`: the words under `message` (the key it always had), the error's own text added as `detail`. */
function applyFailureReport(f: ApplyFailure): ApplyFailureReport {
  const { source, destination, code, detail } = f;
  return { source, destination, code, message: applyFailureText(f), detail };
}

export function installReport(outcome: InstallOutcome): InstallReport {
  return installReportWith(outcome, planEntryReports(outcome));
}

/** The report with `plan` as given: {@link planEntryRows} for a JSON writer that streams them. */
export function installReportWith<Rows extends Iterable<PlanEntryReport>>(
  outcome: InstallOutcome,
  plan: Rows,
): Omit<InstallReport, "plan"> & { plan: Rows } {
  const applied = outcome.applied;
  return {
    webui: {
      root: outcome.target.root,
      ui: outcome.target.ui,
      evidence: outcome.target.evidence.map(webuiEvidenceText),
      folders: [...outcome.target.roots, ...Object.values(outcome.target.folders)],
      evidenceFacts: outcome.target.evidence,
    },
    dryRun: outcome.plan.options.dryRun,
    plan,
    summary: installSummary(outcome),
    warnings: installWarnings(outcome),
    batchId: applied?.batchId ?? null,
    journal: applied?.journalPath ?? null,
    results: applied && applied.batchId !== null ? applied.entries : null,
    failure: applied?.failure ? applyFailureReport(applied.failure) : null,
    interrupted: applied?.interrupted ?? null,
    recovered: [...(outcome.recovered ?? []), ...(applied?.recovered ?? [])],
  };
}

/** What inspect found about one file: the human report names the worst finding, where JSON leaves that to `inspect`. */
export interface FileFindings {
  safety: SafetyReport;
  error: InspectError | null;
}

/** What the human report shows beyond the JSON report. */
export interface InstallDetails {
  /** By absolute source; absent for a file not downloaded yet (a dry run of a URL). */
  findings: ReadonlyMap<string, FileFindings>;
  /** Each entry's warnings by source, typed: the table leaves out those it says in its own words. */
  warnings: ReadonlyMap<string, readonly PlanWarning[]>;
  /** The planner's batch warnings, without the per-pickle ones, which the human report folds into one note. */
  planWarnings: readonly PlanWarning[];
}

export function installDetails(outcome: InstallOutcome): InstallDetails {
  return {
    findings: new Map(
      outcome.files.map((f) => [f.candidate.source, { safety: f.inspection.safety, error: f.inspection.error }]),
    ),
    warnings: new Map(outcome.plan.entries.map((e) => [e.source, e.warnings])),
    planWarnings: outcome.plan.warnings,
  };
}

/**
 * Batch-level warnings: the planner's, and one per pickle that is (or would be) installed — sdmodels never unpickles,
 * but A1111, ComfyUI and every script that calls torch.load does.
 */
export function installWarnings(outcome: InstallOutcome): string[] {
  const formats = new Map(outcome.candidates.map((c) => [c.source, c.format]));
  const pickles = outcome.plan.entries.filter(
    (e) => e.action === "move" && PICKLE_FORMATS.has(formats.get(e.source) ?? "unknown"),
  );
  return [
    ...outcome.plan.warnings.map(planWarningText),
    ...pickles.map(
      (e) =>
        `${e.destination} is a pickle: sdmodels found no code in it, ` +
        `but loading it with other tools (torch.load) can run code; ` +
        `prefer a .safetensors release`,
    ),
  ];
}

/**
 * 130/143 when SIGINT/SIGTERM stopped the batch; 9 when a file was refused for safety (dangerous, suspicious or
 * with a refused sidecar under --strict, a disguised pickle); else 2 when a file could not be read, changed since it
 * was inspected, a conflict was left unresolved or applying failed; `install` also fails (2) when a file it
 * was asked to install has no place (unknown kind, no folder), while `sort` reports such files and succeeds.
 */
export function installExitCode(outcome: InstallOutcome, command: "install" | "sort"): number {
  const interrupted = outcome.applied?.interrupted;
  if (interrupted) return EXIT_INTERRUPTED[interrupted === "SIGTERM" ? "SIGTERM" : "SIGINT"];
  const skips = outcome.plan.entries.flatMap((e) => (e.action === "skip" ? [e.reason.code] : []));
  if (skips.some((code) => SAFETY_REFUSALS.has(code))) return EXIT_REFUSED;
  const changed = outcome.applied?.entries.some((e) => e.status === "changed") ?? false;
  if (skips.includes("unreadable") || outcome.plan.summary.conflict > 0 || outcome.applied?.failure || changed)
    return EXIT_FILE_ERROR;
  if (command === "install" && skips.some((code) => !ALREADY_THERE.has(code) && code !== "conflict"))
    return EXIT_FILE_ERROR;
  return EXIT_OK;
}
