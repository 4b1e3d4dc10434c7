/** One line of the benchmark table: a figure, the baseline measured in the same run, and the goal it is held to. */
export interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** "n/a" for figures that only give context; "skipped" when the figure could not be measured. */
  met: "yes" | "no" | "n/a" | "skipped";
}

export function skippedRow(figure: string, why: string, goal: string): Row {
  return { figure, value: `skipped: ${why}`, baseline: "—", ratio: "—", goal, met: "skipped" };
}

export const met = (ok: boolean): Row["met"] => (ok ? "yes" : "no");

const MB = 1e6;

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  return `${percent >= 1 ? percent.toFixed(1) : percent.toPrecision(2)} %`;
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "—";
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Throughput of `bytes` in `ms`, in MB/s (10^6 bytes, as openssl speed and cp report). */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / MB / (ms / 1000);
}

/** `1,234 MB/s (1,180–1,234)`: best run first, then the range over all runs. */
export function formatRateRange(best: number, worst: number, unit: string): string {
  const range = Math.round(worst) === Math.round(best) ? "" : ` (${formatCount(worst)}–${formatCount(best)})`;
  return `${formatCount(best)} ${unit}${range}`;
}

const COLUMNS = ["figure", "value", "baseline", "ratio", "goal", "met"] as const;
const HEADINGS: Record<(typeof COLUMNS)[number], string> = {
  figure: "figure",
  value: "value",
  baseline: "baseline (same run)",
  ratio: "ratio",
  goal: "goal",
  met: "met?",
};

/** A heading row names a section; the rows under it follow. */
export type TableLine = Row | { section: string };

export function renderFixedWidth(lines: readonly TableLine[]): string {
  const rows = lines.filter((l): l is Row => !("section" in l));
  const widths = COLUMNS.map((c) => Math.max(HEADINGS[c].length, ...rows.map((r) => r[c].length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [format(COLUMNS.map((c) => HEADINGS[c])), format(widths.map((w) => "-".repeat(w)))];
  for (const line of lines) out.push("section" in line ? `[${line.section}]` : format(COLUMNS.map((c) => line[c])));
  return out.join("\n");
}

export function renderMarkdown(lines: readonly TableLine[]): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, "\\|");
  const out = [`| ${COLUMNS.map((c) => HEADINGS[c]).join(" | ")} |`, `|${COLUMNS.map(() => "---").join("|")}|`];
  for (const line of lines) {
    out.push(
      "section" in line
        ? `| **${escapeCell(line.section)}** |${" |".repeat(COLUMNS.length - 1)}`
        : `| ${COLUMNS.map((c) => escapeCell(line[c])).join(" | ")} |`,
    );
  }
  return out.join("\n");
}
