import { relative } from "node:path";
import type { Palette } from "../output/color.js";
import { formatBytes } from "../output/format-bytes.js";
import { renderTable, type Column } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import type { InstallReport, InstallSummary, PlanEntryReport } from "./install-report.js";

export interface RenderInstallOptions {
  /** A table fitted to the terminal; false: one tab-separated line per file, for grep and cut. */
  tty: boolean;
  width: number | null;
  palette: Palette;
  copy: boolean;
}

function actionLabel(e: PlanEntryReport, copy: boolean): string {
  if (e.action === "move") return copy ? "copy" : "move";
  return e.action;
}

function note(e: PlanEntryReport): string {
  const parts: string[] = [];
  if (e.reason) parts.push(e.reason.message);
  if (e.existing) parts.push(`occupied: ${e.existing}`);
  if (e.sidecars.length > 0) parts.push(`+${e.sidecars.length} sidecar${e.sidecars.length > 1 ? "s" : ""}`);
  parts.push(...e.warnings);
  if (e.civitai?.found) parts.push(`Civitai: ${e.civitai.modelName ?? "?"} (${e.civitai.type ?? "?"}, ${e.civitai.baseModel ?? "?"})`);
  parts.push(...(e.civitai?.disagreements ?? []).map((d) => `disagrees: ${d}`));
  return parts.join("; ");
}

function model(e: PlanEntryReport): string {
  const kind = e.algorithm && e.algorithm !== e.kind ? `${e.kind} (${e.algorithm})` : e.kind;
  return `${kind} · ${e.base}`;
}

/** `2 to install (1.2 GB), 1 duplicate, 3 skipped (2 unknown-kind, 1 dangerous), 0 conflicts`. */
export function summaryLine(s: InstallSummary, dryRun: boolean): string {
  const skipped = Object.entries(s.skipped);
  const skippedCount = skipped.reduce((n, [, count]) => n + (count ?? 0), 0);
  return [
    dryRun ? `${s.planned} to install (${formatBytes(s.bytes)})` : `${s.installed} installed (${formatBytes(s.bytes)})`,
    `${s.duplicates} duplicate${s.duplicates === 1 ? "" : "s"}`,
    `${skippedCount} skipped${skipped.length > 0 ? ` (${skipped.map(([code, n]) => `${n} ${code}`).join(", ")})` : ""}`,
    `${s.conflicts} conflict${s.conflicts === 1 ? "" : "s"}`,
  ].join(", ");
}

/** The human report of install and sort: the WebUI, one row per file, warnings, the summary and how to undo. */
export function renderInstall(report: InstallReport, options: RenderInstallOptions): string {
  const { palette } = options;
  const root = report.webui.root;
  const dest = (e: PlanEntryReport) => (e.destination === null ? "-" : relative(root, e.destination) || e.destination);
  let out = `${palette.bold(`${report.webui.ui} at ${terminalSafe(root)}`)} ${palette.dim(`(${report.webui.evidence.map(terminalSafe).join("; ")})`)}\n`;
  if (options.tty) {
    const columns: Column<PlanEntryReport>[] = [
      { header: "SOURCE", value: (e) => e.source, shrink: "middle", minWidth: 16 },
      { header: "DESTINATION", value: dest, shrink: "middle", minWidth: 16 },
      { header: "MODEL", value: model },
      { header: "ACTION", value: (e) => actionLabel(e, options.copy), shrink: "none" },
      { header: "NOTE", value: note },
    ];
    if (report.plan.length > 0) out += renderTable(columns, report.plan, { width: options.width, header: palette.bold });
  } else {
    for (const e of report.plan) {
      out += `${[actionLabel(e, options.copy), e.source, dest(e), model(e), note(e)].map(terminalSafe).join("\t")}\n`;
    }
  }
  for (const warning of report.warnings) out += `${palette.yellow("warning:")} ${terminalSafe(warning)}\n`;
  out += `${summaryLine(report.summary, report.dryRun)}\n`;
  if (report.dryRun) out += palette.dim("dry run: nothing was changed\n");
  if (report.batchId) out += `batch ${report.batchId}; undo with: sdmodels undo ${report.batchId}\n`;
  return out;
}
