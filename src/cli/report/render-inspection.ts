import { sep } from "node:path";
import { formatBytes } from "../../app/format-bytes.js";
import type { InspectedFile } from "../../app/inspected-file.js";
import type { Classification } from "../../classify/types.js";
import type { FileFormat } from "../../inspect/types.js";
import { judgeLoadEverywhere } from "../../install/will-load.js";
import type { Verdict } from "../../model/verdict.js";
import type { Palette } from "../output/color.js";
import { type Column, renderTable } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import { describeNameMismatch, nameMismatch } from "./name-mismatch.js";
import { notLoadedText } from "./plan-messages.js";

const LABEL_WIDTH = 11;
const INDENT = "  ";
/** Metadata keys named in the block; the full map is in `--json`. */
const METADATA_KEYS_SHOWN = 4;
const PICKLE_FORMATS: ReadonlySet<string> = new Set(["torch-zip", "torch-legacy", "pickle"]);

export function paintVerdict(verdict: Verdict, palette: Palette): string {
  return verdict === "safe"
    ? palette.green(verdict)
    : verdict === "suspicious"
      ? palette.yellow(verdict)
      : palette.red(verdict);
}

function field(label: string, lines: readonly string[]): string {
  const pad = " ".repeat(LABEL_WIDTH);
  return lines.map((line, i) => `${INDENT}${i === 0 ? label.padEnd(LABEL_WIDTH) : pad}${line}\n`).join("");
}

/**
 * `lora (locon)`, `text-encoder (clip-l)`, `lora (lora-diffusion)`: the algorithm and architecture qualify the kind.
 */
function describeKind(c: Classification): string {
  // A detail equal to the kind says nothing: never "lora (lora)".
  const details = [c.algorithm, c.architecture].filter((d): d is string => d !== null && d !== c.kind);
  return details.length > 0 ? `${c.kind} (${details.join(", ")})` : c.kind;
}

/** `lora (locon) · sdxl · v-prediction`. */
export function describeModel(c: Classification): string {
  return [describeKind(c), c.base, ...(c.variant ? [c.variant] : [])].join(" · ");
}

/** The human block for one file: everything `--json` has, minus the metadata values and full import records. */
export function renderInspectionBlock(
  { inspection: i, tensors, classification: c }: InspectedFile,
  palette: Palette,
): string {
  const safe = terminalSafe;
  let out = `${palette.bold(safe(i.path))}\n`;
  const unreadable = i.error?.io === true;
  if (!unreadable) {
    out += field("format", [
      `${i.format}, ${formatBytes(i.size)}${i.size >= 1000 ? ` (${i.size.toLocaleString("en-US")} bytes)` : ""}`,
    ]);
    if (tensors.count > 0) {
      const mix = Object.entries(tensors.dtypes).map(([dtype, n]) => `${safe(dtype)} ${n}`);
      out += field("tensors", [`${tensors.count} (${mix.join(", ")})`]);
    }
    if (i.metadata !== null) {
      const keys = Object.keys(i.metadata);
      const shown = keys.slice(0, METADATA_KEYS_SHOWN).map(safe).join(", ");
      out += field("metadata", [
        keys.length === 0 ? "empty" : `${keys.length} keys: ${shown}${keys.length > METADATA_KEYS_SHOWN ? ", …" : ""}`,
      ]);
    }
    if (tensors.count > 0 || c.kind !== "unknown") {
      out += field("model", [`${describeModel(c)} ${palette.dim(`(confidence ${c.confidence})`)}`]);
      if (c.evidence.length > 0)
        out += field(
          "evidence",
          c.evidence.map((e) => safe(e.text)),
        );
    }
    if (c.kind !== "unknown") out += field("loads in", loadLines(c, i.format, palette));
    // The error line below already says it; the verdict lists only what else was found.
    const restated = i.error ? `${i.error.code}: ${i.error.message}` : null;
    const reasons = i.safety.reasons.filter((r) => r !== restated).map((r) => `- ${safe(r)}`);
    const misnamed = nameMismatch(i.path, i.format);
    const verdict =
      paintVerdict(i.safety.verdict, palette) +
      (misnamed ? `, but ${palette.yellow(describeNameMismatch(misnamed))}` : "");
    out += field("safety", [verdict, ...reasons]);
    if (PICKLE_FORMATS.has(i.format)) {
      const imports = i.safety.imports.map(
        (imp) => `${safe(imp.resolved)}${imp.count > 1 ? ` ×${imp.count}` : ""}  ${paintVerdict(imp.verdict, palette)}`,
      );
      out += field("imports", imports.length > 0 ? imports : ["none"]);
    }
  }
  if (i.error !== null) out += field("error", [palette.red(`${safe(i.error.message)} (${safe(i.error.code)})`)]);
  return out;
}

/**
 * `forge, sdnext, comfyui` on the first line, then one line per reason: `not a1111: no model class for flux`, with
 * the UIs that share a reason named together (`not a1111, forge: no model class for wan`).
 */
function loadLines(c: Classification, format: FileFormat, palette: Palette): string[] {
  const judgements = judgeLoadEverywhere(c, format);
  const loading = judgements.filter((j) => j.loads).map((j) => (j.since ? `${j.ui} (from ${j.since})` : j.ui));
  const byReason = new Map<string, string[]>();
  for (const j of judgements.filter((x) => !x.loads)) {
    const why = notLoadedText(j, c);
    byReason.set(why, [...(byReason.get(why) ?? []), j.ui]);
  }
  const refusals = [...byReason].map(([why, uis]) => palette.yellow(`not ${uis.join(", ")}: ${why}`));
  return [
    loading.length > 0 ? loading.join(", ") : palette.yellow("none of a1111, forge, sdnext, comfyui"),
    ...refusals,
  ];
}

interface SummaryRow {
  name: string;
  file: InspectedFile;
}

const SUMMARY_COLUMNS: Column<SummaryRow>[] = [
  { header: "NAME", value: (r) => r.name, shrink: "middle", minWidth: 16 },
  { header: "FORMAT", value: (r) => r.file.inspection.format, shrink: "none" },
  { header: "KIND", value: (r) => describeKind(r.file.classification) },
  { header: "BASE", value: (r) => r.file.classification.base, shrink: "none" },
  {
    header: "VERDICT",
    value: ({ file: { inspection: i } }) => i.safety.verdict + (i.error ? `, ${i.error.code}` : ""),
    minWidth: "suspicious".length,
  },
];

/** The directory every path lies in, with its trailing separator (`models/lora/`), or "" when they share none. */
export function commonDirectory(paths: readonly string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let shared = first.length - 1; // never the file name itself
  for (const parts of split) {
    let i = 0;
    while (i < shared && i < parts.length - 1 && parts[i] === first[i]) i++;
    shared = i;
  }
  return shared === 0 ? "" : first.slice(0, shared).join(sep) + sep;
}

/**
 * One row per file, for runs over several files or a directory. Names are relative to the directory all files
 * share (printed above the table), and what still does not fit `width` is shortened in the middle.
 */
export function renderInspectionTable(files: readonly InspectedFile[], width: number | null, palette: Palette): string {
  const dir = commonDirectory(files.map((f) => f.inspection.path));
  const rows = files.map((file) => ({ name: file.inspection.path.slice(dir.length), file }));
  const table = renderTable(SUMMARY_COLUMNS, rows, { width, header: palette.bold });
  return dir === ""
    ? table
    : `${palette.dim(`in ${terminalSafe(dir)}`)}
${table}`;
}
