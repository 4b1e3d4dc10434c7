import { type AuditFinding, FINDING_ORDER } from "../../app/audit-findings.js";
import { formatBytes } from "../../app/format-bytes.js";
import type { Palette } from "../output/color.js";
import { terminalSafe } from "../output/terminal-text.js";
import { type AuditReport, FINDING_TITLES, findingAdvice, findingNote, webuiRelative } from "./audit-report.js";

/** The human audit report: one group per finding type, problems first, paths relative to the WebUI root. */
export function renderAudit(report: AuditReport, palette: Palette): string {
  const root = report.webui.root;
  const lines: string[] = [
    `${report.webui.ui} at ${terminalSafe(root)}`,
    `Audited ${report.files} files in ${report.folders.length} model folders (${formatBytes(report.bytes)})`,
  ];
  for (const type of FINDING_ORDER) {
    const group = report.findings.filter((f) => f.type === type);
    if (group.length === 0) continue;
    const { title, fix, flag } = FINDING_TITLES[type];
    const tone =
      type === "dangerous"
        ? palette.red
        : type === "suspicious" || type === "unknown" || type === "orphan-sidecar"
          ? palette.dim
          : palette.yellow;
    lines.push("", tone(`${title} (${group.length})${fix ? ` — --fix${flag ? ` ${flag}` : ""}: ${fix}` : ""}`));
    for (const f of group) lines.push(...findingLines(f, root));
  }
  const { problems, wastedBytes } = report.summary;
  lines.push(
    "",
    problems === 0
      ? palette.green("no problems found")
      : `${problems} problem${problems === 1 ? "" : "s"}` +
          `${wastedBytes > 0 ? ` · ${formatBytes(wastedBytes)} wasted by duplicates` : ""}` +
          `${report.fix ? "" : " · `sdmodels audit --fix --dry-run` shows the plan that heals them"}`,
  );
  return `${lines.join("\n")}\n`;
}

function findingLines(f: AuditFinding, root: string): string[] {
  const note = terminalSafe(findingNote(f, root));
  if (f.type === "duplicate") {
    return [
      `  ${terminalSafe(webuiRelative(f.keep, root))}  ${formatBytes(f.size)}, ${note}`,
      ...f.copies.map((c) => `    = ${terminalSafe(webuiRelative(c, root))}`),
    ];
  }
  const advice = findingAdvice(f);
  return [
    `  ${terminalSafe(webuiRelative(f.path, root))}  ${note}`,
    ...(advice ? [`    → ${terminalSafe(advice)}`] : []),
  ];
}
