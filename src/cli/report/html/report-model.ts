import { basename } from "node:path";
import type { AuditOutcome } from "../../../app/audit.js";
import type { AuditFinding } from "../../../app/audit-findings.js";
import { FINDING_ORDER } from "../../../app/audit-findings.js";
import { formatBytes } from "../../../app/format-bytes.js";
import type { InspectedCandidate } from "../../../app/inspect-candidates.js";
import type { InstallOutcome } from "../../../app/install-pipeline.js";
import { METADATA_SHOWN, METADATA_VALUE_CHARS } from "../../../app/kept-metadata.js";
import type { Classification } from "../../../classify/types.js";
import type { Inspection } from "../../../inspect/types.js";
import type { Verdict } from "../../../model/verdict.js";
import { FINDING_TITLES, findingNote, fixOutcome, isProblem, webuiRelative } from "../audit-report.js";
import { installReport } from "../install-report.js";
import { MAX_PREVIEW_PIXELS } from "./preview-limits.js";
import { type PreviewOmission, previewOmissionText } from "./preview-omission.js";

/**
 * What the HTML report shows, as plain data: one row per file, already sorted (problems first). The page's script
 * renders it with DOM text APIs only; nothing here is ever parsed as HTML.
 */
export interface ReportRow {
  /** Shown path (relative to the WebUI root, or as given). */
  path: string;
  name: string;
  kind: string;
  algorithm: string | null;
  base: string;
  architecture: string | null;
  format: string;
  size: number;
  sizeText: string;
  verdict: Verdict;
  reasons: string[];
  /** Finding titles, worst first; empty for a file with nothing to say. */
  problems: { type: string; title: string; note: string }[];
  /** Where the file goes (install/sort/audit --fix), or null. */
  destination: string | null;
  /** Why it stays where it is, or null. */
  stays: string | null;
  /** Other copies of the same bytes. */
  duplicates: string[];
  /** A few header metadata entries, as found in the file (untrusted text). */
  metadata: [string, string][];
  preview: ShownPreview | null;
}

/** An embedded thumbnail, or why none is shown. */
export type Preview = { dataUri: string } | { omitted: PreviewOmission };

/** What the page gets: the thumbnail, or why there is none in words. */
export type ShownPreview = { dataUri: string } | { omitted: string };

function shownPreview(preview: Preview | null): ShownPreview | null {
  if (preview === null || "dataUri" in preview) return preview;
  return { omitted: previewOmissionText(preview.omitted) };
}

export interface HtmlReportData {
  title: string;
  /** The command and WebUI it describes, e.g. `sdmodels audit · a1111 at /…`. */
  subtitle: string;
  generatedAt: string;
  summary: string;
  rows: ReportRow[];
  notes: string[];
}

/** Severity rank of a row: problems first, in the audit's order, then plain files. */
function rank(row: ReportRow): number {
  const first = row.problems[0];
  if (first) return FINDING_ORDER.indexOf(first.type as (typeof FINDING_ORDER)[number]);
  return row.verdict === "safe" ? FINDING_ORDER.length + 1 : FINDING_ORDER.length;
}

export function sortRows(rows: ReportRow[]): ReportRow[] {
  return rows.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function metadataEntries(file: InspectedCandidate): [string, string][] {
  const metadata = file.inspection.metadata ?? {};
  return Object.keys(metadata)
    .slice(0, METADATA_SHOWN)
    .map((key) => {
      const value = metadata[key] ?? "";
      return [key, value.length > METADATA_VALUE_CHARS ? `${value.slice(0, METADATA_VALUE_CHARS)}…` : value];
    });
}

function baseRow(file: InspectedCandidate, shownPath: string, preview: Preview | null): ReportRow {
  const c = file.classification;
  return {
    path: shownPath,
    name: basename(file.candidate.source),
    kind: c.kind,
    algorithm: c.algorithm,
    base: c.base,
    architecture: c.architecture,
    format: file.candidate.format,
    size: file.candidate.size,
    sizeText: formatBytes(file.candidate.size),
    verdict: file.candidate.verdict,
    reasons: file.inspection.safety.reasons,
    problems: [],
    destination: null,
    stays: null,
    duplicates: [],
    metadata: metadataEntries(file),
    preview: shownPreview(preview),
  };
}

export function auditHtmlReport(
  outcome: AuditOutcome,
  previews: ReadonlyMap<string, Preview>,
  generatedAt: string,
): HtmlReportData {
  const root = outcome.target.root;
  const rows = new Map<string, ReportRow>();
  for (const file of outcome.files) {
    const source = file.candidate.source;
    rows.set(source, baseRow(file, webuiRelative(source, root), previews.get(source) ?? null));
  }
  const extra: ReportRow[] = [];
  const add = (path: string, f: AuditFinding) => {
    const row = rows.get(path);
    const problem = { type: f.type, title: FINDING_TITLES[f.type].title, note: findingNote(f, root) };
    if (row) row.problems.push(problem);
    // A sidecar is no model: it gets a row of its own.
    else extra.push({ ...emptyRow(webuiRelative(path, root)), problems: [problem] });
  };
  for (const f of outcome.findings) {
    if (f.type === "duplicate") {
      const all = [f.keep, ...f.copies];
      for (const copy of f.copies) add(copy, f);
      for (const path of all)
        rows.get(path)?.duplicates.push(...all.filter((p) => p !== path).map((p) => webuiRelative(p, root)));
    } else {
      add(f.path, f);
    }
  }
  if (outcome.fix) {
    for (const entry of installReport(fixOutcome(outcome)!).plan) {
      const row = rows.get(entry.source);
      if (!row) continue;
      if (entry.action === "move" && entry.destination) row.destination = webuiRelative(entry.destination, root);
      else row.stays = entry.reason?.message ?? entry.action;
    }
  }
  const problems = outcome.findings.filter(isProblem).length;
  return {
    title: "sdmodels audit",
    subtitle: `${outcome.target.ui} at ${root}`,
    generatedAt,
    summary:
      `${outcome.files.length} files in ${outcome.folders.length} model folders · ` +
      `${problems} problem${problems === 1 ? "" : "s"}` +
      `${outcome.fix ? (outcome.fix.applied ? " · fixed" : " · fix planned (dry run)") : ""}`,
    rows: sortRows([...rows.values(), ...extra]),
    notes: previewNotes(previews),
  };
}

/** install and sort: every file with where it goes or why it stays. */
export function installHtmlReport(
  command: string,
  outcome: InstallOutcome,
  previews: ReadonlyMap<string, Preview>,
  generatedAt: string,
): HtmlReportData {
  const report = installReport(outcome);
  const root = outcome.target.root;
  const files = new Map(outcome.files.map((f) => [f.candidate.source, f]));
  const rows: ReportRow[] = [];
  for (const entry of report.plan) {
    const file = files.get(entry.source);
    if (!file) continue;
    const row = baseRow(file, entry.source, previews.get(entry.source) ?? null);
    if (entry.action === "move" && entry.destination) row.destination = webuiRelative(entry.destination, root);
    else row.stays = entry.reason?.message ?? entry.action;
    if (entry.verdict === "dangerous")
      row.problems.push({
        type: "dangerous",
        title: FINDING_TITLES.dangerous.title,
        note: row.reasons[0] ?? "dangerous",
      });
    else if (file.inspection.error)
      row.problems.push({
        type: "not-a-model",
        title: FINDING_TITLES["not-a-model"].title,
        note: file.inspection.error.message,
      });
    rows.push(row);
  }
  return {
    title: `sdmodels ${command}`,
    subtitle: `${outcome.target.ui} at ${root}`,
    generatedAt,
    summary:
      `${report.summary.files} files · ${report.summary.planned} to install · ` +
      `${report.summary.files - report.summary.planned} stay${report.dryRun ? " · dry run" : ""}`,
    rows: sortRows(rows),
    notes: previewNotes(previews),
  };
}

/** inspect: every file with what it is and its verdict; nothing is planned. */
export function inspectHtmlReport(
  files: readonly { inspection: Omit<Inspection, "tensors" | "values">; classification: Classification }[],
  previews: ReadonlyMap<string, Preview>,
  generatedAt: string,
): HtmlReportData {
  const rows = files.map(({ inspection, classification }) => {
    const { path, size, format, error } = inspection;
    const candidate = { source: path, size, format, verdict: inspection.safety.verdict, error, classification };
    const row = baseRow({ inspection, classification, candidate }, path, previews.get(path) ?? null);
    if (row.verdict === "dangerous")
      row.problems.push({
        type: "dangerous",
        title: FINDING_TITLES.dangerous.title,
        note: row.reasons[0] ?? "dangerous",
      });
    else if (error)
      row.problems.push({ type: "not-a-model", title: FINDING_TITLES["not-a-model"].title, note: error.message });
    return row;
  });
  const problems = rows.filter((r) => r.problems.length > 0).length;
  return {
    title: "sdmodels inspect",
    subtitle: `${files.length} file${files.length === 1 ? "" : "s"}`,
    generatedAt,
    summary: `${files.length} files · ${problems} dangerous or unreadable`,
    rows: sortRows(rows),
    notes: previewNotes(previews),
  };
}

function emptyRow(path: string): ReportRow {
  return {
    path,
    name: basename(path),
    kind: "sidecar",
    algorithm: null,
    base: "unknown",
    architecture: null,
    format: "unknown",
    size: 0,
    sizeText: "",
    verdict: "safe",
    reasons: [],
    problems: [],
    destination: null,
    stays: null,
    duplicates: [],
    metadata: [],
    preview: null,
  };
}

function previewNotes(previews: ReadonlyMap<string, Preview>): string[] {
  const omitted = [...previews.values()].filter((p) => "omitted" in p).length;
  return [
    `PNG and JPEG previews are shown as thumbnails made by sdmodels (up to ${(MAX_PREVIEW_PIXELS / 1e6).toFixed(1)} ` +
      "MP decoded); GIF and WebP ones as they are, while small.",
    ...(omitted > 0 ? [`${omitted} preview${omitted === 1 ? "" : "s"} left out; each card says why.`] : []),
  ];
}
