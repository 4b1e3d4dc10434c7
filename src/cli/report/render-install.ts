import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from "node:path";
import { formatBytes } from "../../app/format-bytes.js";
import { KINDS, type Kind } from "../../classify/types.js";
import type { Finding, InspectError, SafetyReport } from "../../inspect/types.js";
import { MODEL_EXTENSIONS } from "../../inspect/walk.js";
import type { SidecarLeft } from "../../install/sidecar-policy.js";
import type { PlanWarning, RecoveredBatch, SkipCode } from "../../install/types.js";
import type { Verdict } from "../../model/verdict.js";
import { verdictRank } from "../../model/verdict.js";
import type { Palette } from "../output/color.js";
import { displayWidth } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import {
  type FileFindings,
  type InstallDetails,
  type InstallReport,
  PICKLE_FORMATS,
  type PlanEntryReport,
} from "./install-report.js";
import { planWarningText, sidecarRejectionText } from "./plan-messages.js";
import { webuiEvidenceLine } from "./webui-evidence.js";

/** How paths are shown: relative to the working directory when that is shorter, else with `~` for the home folder. */
export interface PathStyle {
  cwd: string;
  /** null: never abbreviate (no home folder known). */
  home: string | null;
}

export interface RenderInstallOptions {
  /** Terminal width the notes are wrapped to; null (piped, no COLUMNS): never wrap. File names are never cut. */
  width: number | null;
  palette: Palette;
  copy: boolean;
  paths: PathStyle;
  /** `sort`: the folder sorted, which file names are shown relative to; null for `install`. */
  sortedDir: string | null;
}

/** Rows sit under their folder; notes start after the widest name and kind, two spaces apart. */
const GROUP_INDENT = "  ";
const ROW_INDENT = "    ";
const GAP = "  ";
/**
 * Narrowest note column worth aligning: below this (a narrow terminal, a very long name) a note goes on its own
 * lines under the file instead, where it has nearly the full width.
 */
const MIN_NOTE_WIDTH = 32;
/** Where a note that does not fit beside its file starts. */
const NOTE_BELOW_INDENT = "      ";
/**
 * A dotted import name longer than this many segments is shown as its first and last
 * (`pytorch_lightning…ModelCheckpoint`).
 */
const MAX_IMPORT_SEGMENTS = 3;

/** What each skip is called in the summary, where files are counted by why they stay. */
const SKIP_LABELS: Readonly<Record<SkipCode, string>> = {
  unreadable: "unreadable",
  dangerous: "dangerous",
  "unknown-kind": "unknown",
  "unsupported-format": "unsupported format",
  "suspicious-strict": "suspicious",
  "no-folder": "no folder",
  "misnamed-pickle": "disguised pickle",
  "extension-not-loaded": "not loaded there",
  "will-not-load": "UI will not load it",
  "needs-conversion": "needs converting",
  "diffusers-not-loaded": "diffusers folder",
  duplicate: "duplicate",
  "in-place": "already in place",
  symlink: "symlink",
  "outside-sorted-folder": "outside the folder (link)",
  "inside-webui": "inside the WebUI (link)",
  "sidecar-refused": "sidecar refused",
  conflict: "conflict",
  "name-too-long": "name too long",
  "not-writable": "folder not writable",
  "no-space": "no space",
  "special-file-in-folder": "link or special file in folder",
};

/** `x.yaml (config target os.system …)`, for each sidecar left behind. */
function sidecarsLeftText(left: readonly SidecarLeft[]): string {
  return left.map((l) => `${basename(l.path)} (${sidecarRejectionText(l.reason)})`).join(", ");
}

/**
 * Skips listed under the folder they were meant for (something is already there); the rest are "left where they are".
 */
const SHOWN_AT_DESTINATION: ReadonlySet<SkipCode> = new Set(["duplicate", "in-place", "conflict"]);

/** How an import finding is qualified: a class the file needs trusted, or one sdmodels has no rule for. */
const IMPORT_QUALIFIERS: Readonly<Record<string, string>> = {
  "dangerous-global": "",
  "known-benign-class": " (needs trusting)",
  "unknown-global": " (unknown to sdmodels)",
};

/** `relative(root, path)` names a path inside root (or root itself). */
const isInside = (rel: string) => rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);

/** `~/stable-diffusion-webui` for a path under the home folder, else the path itself. */
export function tildePath(path: string, home: string | null): string {
  if (home === null || home === "" || home === sep) return path;
  const rel = relative(home, path);
  if (rel === "") return "~";
  return isInside(rel) ? `~${sep}${rel}` : path;
}

/** Quoted only when a shell would split or expand it, so the suggested command can be pasted as shown. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** The shortest honest name for a path: relative to the working directory when shorter, else `~`-abbreviated. */
export function displayPath(path: string, style: PathStyle): string {
  const absolute = tildePath(path, style.home);
  const rel = relative(style.cwd, path) || ".";
  // A path that climbs out of the current folder (`../x`) is shorter but harder to read than the absolute one.
  const insideCwd = rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  return insideCwd && rel.length < absolute.length ? rel : absolute;
}

/** `a` → `a`; `pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint` → `pytorch_lightning…ModelCheckpoint`. */
function shortImport(name: string): string {
  const parts = name.split(".");
  return parts.length > MAX_IMPORT_SEGMENTS ? `${parts[0]}…${parts.at(-1)}` : name;
}

/**
 * The worst finding of a file in a few words, and how many more there are. An import is named by what it imports;
 * any other finding by its message without the byte offset, which only `inspect` needs.
 */
export function worstFinding(safety: SafetyReport): { text: string; more: number } | null {
  const worst = safety.findings
    .filter((f) => f.severity !== "safe")
    .sort((a, b) => verdictRank(b.severity) - verdictRank(a.severity))[0];
  if (!worst) return null;
  return { text: findingText(worst), more: Math.max(0, safety.reasons.length - 1) };
}

function findingText(finding: Finding): string {
  const qualifier = IMPORT_QUALIFIERS[finding.code];
  if (finding.global !== undefined && qualifier !== undefined)
    return `imports ${shortImport(finding.global)}${qualifier}`;
  return finding.summary ?? finding.message;
}

/** `dangerous: imports posix.system (+2 more findings: sdmodels inspect charturnerv2.ckpt)`. */
function safetyNote(verdict: Verdict, findings: FileFindings | undefined, inspectPath: string): string {
  const worst = findings && worstFinding(findings.safety);
  if (!worst) return verdict;
  const more =
    worst.more > 0
      ? ` (+${worst.more} more finding${worst.more === 1 ? "" : "s"}: sdmodels inspect ${shellWord(inspectPath)})`
      : "";
  return `${verdict}: ${worst.text}${more}`;
}

/** What a downloader saved in place of the model, as a row names it. */
const ERROR_PAGE_NAMES: Readonly<Record<NonNullable<InspectError["errorPage"]>["body"], string>> = {
  html: "an HTML page",
  json: "a JSON error response",
};

/** What declared the size a cut-off file lacks. */
const DECLARERS: Readonly<Record<NonNullable<InspectError["missing"]>["declaredBy"], string>> = {
  header: "its header",
  "tensor-table": "its tensor table",
};

/**
 * Why an unreadable file could not be read, as the error's problem field when the file it names is this row's (the
 * row names it), else its whole message. An error page and a cut-off download are told from their typed fields, in the row's words, never from the message.
 */
function errorNote(findings: FileFindings | undefined, source: string, cwd: string): string {
  const error = findings?.error;
  if (!error) return "unreadable";
  if (error.errorPage) {
    return `${ERROR_PAGE_NAMES[error.errorPage.body]} saved in place of a model: "${error.errorPage.quote}"`;
  }
  // A file shorter than its header says (the safetensors library's MetadataIncompleteBuffer): a download cut short.
  if (error.missing) {
    const { bytes, declaredBy } = error.missing;
    return `incomplete download: ${bytes} bytes shorter than ${DECLARERS[declaredBy]} declares`;
  }
  return error.file !== undefined && error.problem !== undefined && resolve(cwd, error.file) === source
    ? error.problem
    : error.message;
}

/** A path the report names: relative to the WebUI root when inside it, else as {@link displayPath} shows it. */
function webuiPath(path: string, root: string, style: PathStyle): string {
  const rel = relative(root, path);
  return rel !== "" && isInside(rel) ? rel : displayPath(path, style);
}

/**
 * Which of the UI's settings put `folder` where it is: the setting whose folder holds it most closely (a `--by-base`
 * sub-folder belongs to its kind's folder), shown with the file and line that set it.
 */
function folderOrigin(folder: string, report: InstallReport, paths: PathStyle): string | null {
  let best: (typeof report.webui.folders)[number] | null = null;
  for (const setting of report.webui.folders) {
    const rel = relative(setting.path, folder);
    if ((rel === "" || isInside(rel)) && (best === null || setting.path.length > best.path.length)) best = setting;
  }
  if (best === null) return null;
  return best.line > 0
    ? `(${best.name}, ${webuiPath(best.file, report.webui.root, paths)}:${best.line})`
    : `(${best.name}, ${best.file})`;
}

/** The note of a file that stays where it is: what `install` also prints on stderr, after the file's name. */
export function leftNote(
  e: PlanEntryReport,
  details: InstallDetails,
  options: Pick<RenderInstallOptions, "paths">,
): string {
  const findings = details.findings.get(e.source);
  const code = e.reason?.code;
  const inspectPath = displayPath(e.source, options.paths);
  switch (code) {
    case "unreadable":
      return errorNote(findings, e.source, options.paths.cwd);
    case "dangerous":
      return safetyNote("dangerous", findings, inspectPath);
    case "suspicious-strict":
      return `${safetyNote("suspicious", findings, inspectPath)}; refused by --strict`;
    case "unknown-kind":
      return "not a Stable Diffusion model file sdmodels knows (unknown kind)";
    case "sidecar-refused":
      return (
        `refused by --strict: its sidecar${e.sidecarsLeft.length === 1 ? "" : "s"} would stay behind: ` +
        `${sidecarsLeftText(e.sidecarsLeft)}`
      );
    default:
      return e.reason?.message ?? e.action;
  }
}

type Tone = "plain" | "warn" | "danger";

/**
 * Red for a file that would run code, yellow for one that is broken or disguised;
 * a file with no place is news, not alarm.
 */
const LEFT_TONES: Partial<Record<SkipCode, Tone>> = {
  dangerous: "danger",
  unreadable: "warn",
  "suspicious-strict": "warn",
  "misnamed-pickle": "warn",
  "sidecar-refused": "warn",
};

interface Row {
  name: string;
  /** Kind and base; null for files left where they are, whose note takes that column. */
  model: string | null;
  notes: string[];
  tone: Tone;
}

function modelLabel(e: PlanEntryReport): string {
  const kind = e.algorithm && e.algorithm !== e.kind ? `${e.kind} (${e.algorithm})` : e.kind;
  return e.base === "unknown" ? kind : `${kind} · ${e.base}`;
}

/** A planner warning that a placed file's notes say in their own words: its verdict, extension fix, conflict rename. */
function isRestated(warning: PlanWarning, e: PlanEntryReport): boolean {
  if (warning.type === "suspicious") return e.verdict === "suspicious";
  if (warning.type === "extension-fixed") return e.renamed?.extension === true;
  return warning.type === "conflict-renamed" && e.renamed?.conflictWith != null;
}

/** An entry's warnings in words; `placed`: without those its notes restate. */
function warningNotes(e: PlanEntryReport, details: InstallDetails, placed: boolean): string[] {
  return (details.warnings.get(e.source) ?? []).filter((w) => !placed || !isRestated(w, e)).map(planWarningText);
}

/** Notes of a file listed under its destination folder: installed, or found something already there. */
function placedNotes(e: PlanEntryReport, details: InstallDetails, root: string, paths: PathStyle): string[] {
  const at = (path: string) => webuiPath(path, root, paths);
  const notes: string[] = [];
  if (e.action === "conflict" && e.existing) {
    notes.push(`conflict: a different file is at ${at(e.existing)}; nothing installed (--on-conflict fail)`);
  } else if (e.reason?.code === "duplicate") {
    notes.push(`duplicate of ${at(e.reason.of)}`);
  } else if (e.reason?.code === "in-place") {
    notes.push("already in place");
  } else if (e.reason?.code === "conflict") {
    notes.push(`conflict: a different file is at ${at(e.reason.existing)}; left where it is (--on-conflict skip)`);
  }
  // Only audit's quarantine moves a dangerous file; install and sort never do.
  if (e.action === "move" && e.verdict !== "safe") {
    notes.push(safetyNote(e.verdict, details.findings.get(e.source), displayPath(e.source, paths)));
  }
  if (e.renamed?.extension) notes.push(`${e.format} content named ${extname(e.source)}`);
  if (e.renamed?.conflictWith && e.destination) {
    notes.push(
      `conflict: a different file is at ${at(e.renamed.conflictWith)}; installed as ${basename(e.destination)}`,
    );
  }
  if (e.sidecars.length > 0) notes.push(`with ${e.sidecars.map((s) => basename(s.destination)).join(", ")}`);
  if (e.sidecarsLeft.length > 0) notes.push(`left behind: ${sidecarsLeftText(e.sidecarsLeft)}`);
  notes.push(...warningNotes(e, details, true));
  if (e.civitai?.found)
    notes.push(`Civitai: ${e.civitai.modelName ?? "?"} (${e.civitai.type ?? "?"}, ${e.civitai.baseModel ?? "?"})`);
  notes.push(...(e.civitai?.disagreements ?? []).map((d) => `Civitai disagrees: ${d}`));
  return notes;
}

/**
 * Greedy wrap at `separator` (words, or the summary's ` · ` items); a piece wider than the line (a long path) gets a
 * line of its own rather than being cut.
 */
function wrap(text: string, width: number | null, separator = " "): string[] {
  if (width === null || displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(separator)) {
    if (line !== "" && displayWidth(line) + separator.length + displayWidth(word) > width) {
      lines.push(line.trimEnd());
      line = word;
    } else line = line === "" ? word : `${line}${separator}${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - displayWidth(text)));

/**
 * Name, kind and note columns, from text already made terminal-safe. Wrapping is measured on plain text and colour
 * applied per finished line, so escape codes never count as width. A name wider than its column gets a line of its own,
 * with its kind and note below.
 */
function renderRows(
  rows: readonly Row[],
  nameWidth: number,
  modelWidth: number,
  width: number | null,
  palette: Palette,
): string[] {
  const toned: Readonly<Record<Tone, (text: string) => string>> = {
    plain: (t) => t,
    warn: palette.yellow,
    danger: palette.red,
  };
  const out: string[] = [];
  for (const row of rows) {
    const style = toned[row.tone];
    const nameFits = displayWidth(row.name) <= nameWidth;
    if (!nameFits) out.push(ROW_INDENT + row.name);
    const lead = ROW_INDENT + pad(nameFits ? row.name : "", nameWidth);
    const head = row.model === null ? lead : `${lead}${GAP}${pad(row.model, modelWidth)}`;
    const headShown = nameFits || row.model !== null;
    const note = row.notes.join("; ");
    const noteStart = displayWidth(head) + GAP.length;
    const beside = width === null || width - noteStart >= MIN_NOTE_WIDTH;
    if (note === "" || !beside) {
      if (headShown) out.push(head.trimEnd());
      const below = width === null ? null : Math.max(1, width - NOTE_BELOW_INDENT.length);
      if (note !== "") for (const line of wrap(note, below)) out.push(NOTE_BELOW_INDENT + style(line));
      continue;
    }
    const [first = "", ...rest] = wrap(note, width === null ? null : width - noteStart);
    out.push(`${head}${GAP}${style(first)}`);
    for (const line of rest) out.push(" ".repeat(noteStart) + style(line));
  }
  return out;
}

interface Group {
  label: string;
  /**
   * The UI setting that put this folder where it is, e.g. `(--lora-dir, webui-user.sh:5)`; null for a default folder.
   */
  origin: string | null;
  /** Position of the group's earliest kind in KINDS: checkpoints first, as a WebUI lists its models. */
  order: number;
  rows: Row[];
}

const SUMMARY_SEPARATOR = " · ";

/** `3 files`, `1 file`. */
const count = (n: number, noun: string, plural = `${noun}s`) => `${n} ${n === 1 ? noun : plural}`;

/**
 * The summary line:
 * `14 to install (24.3 GB) · 5 left where they are (1 dangerous, 3 unreadable, 1 unknown) · 0 duplicates · 0 conflicts`
 */
export function summaryLine(report: InstallReport): string {
  const s = report.summary;
  const left = report.plan.filter(
    (e) => e.action === "skip" && e.reason !== null && !SHOWN_AT_DESTINATION.has(e.reason.code),
  );
  const byLabel = new Map<string, number>();
  for (const e of left)
    if (e.reason) byLabel.set(SKIP_LABELS[e.reason.code], (byLabel.get(SKIP_LABELS[e.reason.code]) ?? 0) + 1);
  const inPlace = s.skipped["in-place"] ?? 0;
  const conflicts = s.conflicts + (s.skipped.conflict ?? 0);
  return [
    report.dryRun
      ? `${s.planned} to install (${formatBytes(s.bytes)})`
      : `${s.installed} installed (${formatBytes(s.bytes)})`,
    `${left.length} left where ${left.length === 1 ? "it is" : "they are"}` +
      `${byLabel.size > 0 ? ` (${[...byLabel].map(([label, n]) => `${n} ${label}`).join(", ")})` : ""}`,
    count(s.duplicates, "duplicate"),
    ...(inPlace > 0 ? [`${inPlace} already in place`] : []),
    count(conflicts, "conflict"),
  ].join(SUMMARY_SEPARATOR);
}

/** One note for every pickle installed: sdmodels found no code, but whatever torch.loads the file later trusts it. */
function pickleNote(report: InstallReport): string | null {
  const pickles = report.plan.filter(
    (e) => e.action === "move" && PICKLE_FORMATS.has(e.format) && e.verdict !== "dangerous",
  );
  if (pickles.length === 0) return null;
  const found = new Set(pickles.map((e) => extname(e.destination ?? e.source).toLowerCase()));
  const extensions = [...MODEL_EXTENSIONS].filter((x) => found.delete(x)).concat([...found]);
  const one = pickles.length === 1;
  return (
    `${count(pickles.length, "pickle")} (${extensions.join(" ")}): ` +
    `no code found, but other tools that torch.load ${one ? "it" : "them"} can run code; ` +
    `prefer ${one ? "a .safetensors release" : ".safetensors releases"}`
  );
}

/**
 * The human report of install and sort, the same text on a terminal and in a pipe (colour aside): the WebUI, each
 * destination folder with the files going there, the files left where they are and why, one summary line, one
 * note about pickles, and what happened (or that nothing did). Pure: everything it shows is in its arguments.
 */
export function renderInstall(report: InstallReport, details: InstallDetails, options: RenderInstallOptions): string {
  const { palette, paths } = options;
  const root = report.webui.root;
  const sourceName = (e: PlanEntryReport) => {
    const from = options.sortedDir === null ? displayPath(e.source, paths) : relative(options.sortedDir, e.source);
    const to = e.destination === null ? null : basename(e.destination);
    return to !== null && to !== basename(e.source) && e.action === "move" ? `${from} → ${to}` : from;
  };

  const groups = new Map<string, Group>();
  const left: Row[] = [];
  for (const e of report.plan) {
    const placed = e.action !== "skip" || (e.reason !== null && SHOWN_AT_DESTINATION.has(e.reason.code));
    if (!placed || e.destination === null) {
      const notes = [leftNote(e, details, options), ...warningNotes(e, details, false)].map(terminalSafe);
      left.push({
        name: terminalSafe(sourceName(e)),
        model: null,
        notes,
        tone: LEFT_TONES[e.reason?.code ?? "unreadable"] ?? "plain",
      });
      continue;
    }
    const folder = dirname(e.destination);
    const label = `${webuiPath(folder, root, paths)}${sep}`;
    const group = groups.get(label) ?? {
      label,
      origin: folderOrigin(folder, report, paths),
      order: Infinity,
      rows: [],
    };
    group.order = Math.min(group.order, KINDS.indexOf(e.kind as Kind));
    const tone: Tone =
      e.action === "conflict" || e.verdict !== "safe" || e.reason?.code === "conflict" ? "warn" : "plain";
    group.rows.push({
      name: terminalSafe(sourceName(e)),
      model: modelLabel(e),
      notes: placedNotes(e, details, root, paths).map(terminalSafe),
      tone,
    });
    groups.set(label, group);
  }
  const ordered = [...groups.values()].sort(
    (a, b) => a.order - b.order || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
  const allRows = [...ordered.flatMap((g) => g.rows), ...left];
  const modelWidth = Math.max(0, ...allRows.map((r) => (r.model === null ? 0 : displayWidth(r.model))));
  const widest = Math.max(0, ...allRows.map((r) => displayWidth(r.name)));
  // The name column gives way (its widest names then sit on lines of their own) only when kinds would not fit.
  const nameWidth =
    options.width === null
      ? widest
      : Math.min(widest, Math.max(0, options.width - ROW_INDENT.length - GAP.length - modelWidth));

  const lines: string[] = [];
  const evidence = webuiEvidenceLine(report.webui.evidenceFacts, report.webui.ui, paths.home);
  const title = terminalSafe(`${report.webui.ui} at ${tildePath(root, paths.home)}`);
  const because = evidence ? terminalSafe(`(${evidence})`) : "";
  if (options.width === null || displayWidth(title) + GAP.length + displayWidth(because) <= options.width) {
    lines.push(`${palette.bold(title)}${because ? `${GAP}${palette.dim(because)}` : ""}`);
  } else {
    lines.push(
      palette.bold(title),
      ...wrap(because, options.width - GROUP_INDENT.length).map((l) => GROUP_INDENT + palette.dim(l)),
    );
  }
  // sort found model files by extension; install names whatever it was given, which may be no model at all.
  lines.push(
    ...wrap(
      options.sortedDir === null
        ? `${count(report.plan.length, "file")}:`
        : `From ${terminalSafe(displayPath(options.sortedDir, paths))}${sep}` +
            ` (${count(report.plan.length, "model file")}):`,
      options.width,
    ),
  );
  lines.push("");
  for (const group of ordered) {
    lines.push(
      GROUP_INDENT +
        palette.bold(terminalSafe(group.label)) +
        (group.origin ? GAP + palette.dim(terminalSafe(group.origin)) : ""),
    );
    lines.push(...renderRows(group.rows, nameWidth, modelWidth, options.width, palette));
  }
  if (left.length > 0) {
    lines.push(`${GROUP_INDENT}left where ${left.length === 1 ? "it is" : "they are"}:`);
    lines.push(...renderRows(left, nameWidth, modelWidth, options.width, palette));
  }
  if (report.plan.length > 0) lines.push("");

  lines.push(...wrap(summaryLine(report), options.width, SUMMARY_SEPARATOR));
  for (const note of [pickleNote(report), ...details.planWarnings.map((w) => `warning: ${planWarningText(w)}`)]) {
    if (note !== null) lines.push(...wrap(terminalSafe(note), options.width));
  }
  if (report.dryRun) lines.push(palette.dim("dry run: nothing was changed"));
  else if (report.batchId) {
    const verb = options.copy ? "copied" : "installed";
    lines.push(
      `${verb} ${count(report.summary.installed, "file")} as batch ${report.batchId}; ` +
        `undo with: sdmodels undo ${report.batchId}`,
    );
  } else lines.push(palette.dim("nothing was changed"));
  return `${lines.join("\n")}\n`;
}

/** One line per batch a killed run left half-applied, recovered before this command wrote anything. */
export function recoveryLines(recovered: readonly RecoveredBatch[]): string[] {
  return recovered.map(
    (b) =>
      `sdmodels: recovered batch ${b.batchId}, left half-applied by process ${b.pid ?? "?"} which is gone: ` +
      `${count(b.installed.length, "file")} had been installed, ` +
      `${count(b.tempsRemoved.length, "partial copy", "partial copies")} removed; ` +
      `undo it with: sdmodels undo ${b.batchId}`,
  );
}

/**
 * `install`'s stderr line for each file it was asked to install and did not (refused, unreadable, no place), led by
 * the file's name, so a script sees which file failed without parsing the report. Files already installed are no
 * failure; `sort` reports its skips in the report alone.
 */
export function refusalLines(
  report: InstallReport,
  details: InstallDetails,
  options: Pick<RenderInstallOptions, "paths">,
): string[] {
  return report.plan
    .filter((e) => e.action === "skip" && e.reason !== null && !SHOWN_AT_DESTINATION.has(e.reason.code))
    .map((e) => {
      const missing = details.findings.get(e.source)?.error?.code === "ENOENT";
      return `sdmodels: ${terminalSafe(
        `${displayPath(e.source, options.paths)}: ` +
          `${leftNote(e, details, options)}${missing ? "" : "; left where it is"}`,
      )}`;
    });
}

/**
 * Failures of the batch as a whole, for install and sort alike: batches of killed runs recovered first, files that
 * changed since inspection, sidecars that became links or special files, sources that could not be removed, applying
 * stopped or interrupted, or conflicts.
 */
export function batchErrorLines(report: Omit<InstallReport, "plan">): string[] {
  const lines: string[] = [...recoveryLines(report.recovered ?? [])];
  for (const r of report.results ?? []) {
    if (r.status === "changed")
      lines.push(
        `sdmodels: ${terminalSafe(r.source)} changed since it was inspected (written to, replaced or deleted); not installed`,
      );
    if (r.sidecarsLeft)
      lines.push(
        `sdmodels: ${terminalSafe(r.source)} installed; left behind: ${terminalSafe(sidecarsLeftText(r.sidecarsLeft))}`,
      );
    for (const kept of r.sourcesKept ?? []) {
      lines.push(
        `sdmodels: ${terminalSafe(kept.path)} could not be removed (${kept.code}): ` +
          `installed as a copy, the original stays where it is`,
      );
    }
  }
  if (report.failure) lines.push(`sdmodels: ${terminalSafe(report.failure.message)}`);
  if (report.interrupted && report.batchId) {
    const done = (report.results ?? []).filter((r) => r.status === "done").length;
    lines.push(
      `sdmodels: interrupted by ${report.interrupted}: the file in progress was put back; ` +
        `${count(done, "file")} installed before it (undo with: sdmodels undo ${report.batchId})`,
    );
  }
  if (report.summary.conflicts > 0 && !report.dryRun) {
    const n = report.summary.conflicts;
    lines.push(
      `sdmodels: ${
        n === 1 ? "1 file conflicts with a different file at its" : `${n} files conflict with different files at their`
      } destination; nothing was installed`,
    );
  }
  return lines;
}
