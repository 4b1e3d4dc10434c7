/**
 * What is wrong in a WebUI's model folders, decided from inspections already made: pure, no I/O. Each file is
 * routed exactly as `install` would route it, and a file is well placed when it sits in (or below) a folder the UI
 * loads its kind from.
 */
import { basename, dirname, join, relative, sep } from "node:path";
import type { Base, Kind } from "../classify/types.js";
import type { FileFormat, InspectError } from "../inspect/types.js";
import { hasModelExtension } from "../inspect/walk.js";
import { splitName } from "../install/file-names.js";
import { DIFFUSERS_FOLDERS, LAYOUTS, type LayoutFolder } from "../install/layouts.js";
import { folderPath, routeCandidate } from "../install/route-candidate.js";
import { DEFAULT_PLAN_OPTIONS, type InstallCandidate, type SkipReason, type WebuiTarget } from "../install/types.js";

/**
 * ComfyUI folders that `folder_paths.py` maps onto another key: `models/unet` is read as `diffusion_models`,
 * `models/clip` as `text_encoders`, `models/t2i_adapter` as `controlnet`. Files there are loaded, so not misplaced.
 */
const COMFY_ALIASES: Readonly<Record<string, readonly string[]>> = {
  diffusion_models: ["unet"],
  text_encoders: ["clip"],
  controlnet: ["t2i_adapter"],
};

/**
 * Sidecar names that can only belong to a model (`<stem>.preview.png`, `<stem>.civitai.info`, …). A bare
 * `<stem>.png` or `.json` is left out: an embeddings folder holds PNG embeddings and other tools keep JSON files.
 */
const UNAMBIGUOUS_SIDECAR =
  /\.(?:preview\.(?:png|jpe?g|webp|gif|mp4)|civitai\.info|cm-info\.json|metadata\.json|swarm\.json)$/i;

/** One inspected file of the WebUI, as the audit judges it. */
export interface AuditedFile {
  candidate: InstallCandidate;
  /** Short reasons behind a non-safe verdict, worst first. */
  reasons: string[];
}

export type AuditFinding =
  /** In a folder the UI does not load its kind from; `belongs` is where `install` puts it. */
  | { type: "misplaced"; path: string; kind: Kind; base: Base; belongs: string }
  /** Code runs if it is loaded: quarantined by `--fix`. */
  | { type: "dangerous"; path: string; reasons: string[] }
  /** Not provably safe (a pickle needing trust, an odd container): reported; quarantined only when asked for. */
  | { type: "suspicious"; path: string; reasons: string[] }
  /** An error page, an empty file, a cut-off download, a file no reader parses: quarantined by `--fix`. */
  | { type: "not-a-model"; path: string; error: InspectError }
  /** Cannot be read at all (permissions, I/O): reported only. */
  | { type: "unreadable"; path: string; error: InspectError }
  /** A loader picks its reader by extension: `name` is the one it needs (fixed by `--fix`), or null when refused. */
  | { type: "wrong-extension"; path: string; format: FileFormat; name: string | null }
  /** Same bytes in several places: every copy but `keep` is quarantined by `--fix`. */
  | { type: "duplicate"; sha256: string; size: number; keep: string; copies: string[]; wastedBytes: number }
  /** A preview or info file whose model is gone. */
  | { type: "orphan-sidecar"; path: string }
  /** The UI has no folder that loads it (kind, extension or diffusers folder): reported with the reason. */
  | { type: "not-loaded"; path: string; reason: SkipReason }
  /** Not a Stable Diffusion model sdmodels knows. */
  | { type: "unknown"; path: string };

export type AuditFindingType = AuditFinding["type"];

/** Report order: what can hurt first, then what wastes or breaks, then housekeeping. */
export const FINDING_ORDER: readonly AuditFindingType[] = [
  "dangerous",
  "not-a-model",
  "misplaced",
  "duplicate",
  "wrong-extension",
  "suspicious",
  "not-loaded",
  "unreadable",
  "unknown",
  "orphan-sidecar",
];

/** A layout folder of the UI, resolved, with the kinds loaded from it. */
export interface ModelFolder {
  path: string;
  kinds: Kind[];
}

/** Every folder the UI loads models from (layout folders, ComfyUI aliases and extra paths, diffusers), deduplicated. */
export function modelFolders(target: WebuiTarget): ModelFolder[] {
  const byPath = new Map<string, Set<Kind>>();
  const add = (path: string | null, kind: Kind) => {
    if (path === null) return;
    byPath.set(path, (byPath.get(path) ?? new Set<Kind>()).add(kind));
  };
  const addFolder = (folder: LayoutFolder | null | undefined, kind: Kind) => {
    if (!folder) return;
    add(folderPath(folder, target), kind);
    // ComfyUI folders are moved by the key of the same name (`extra_model_paths.yaml`).
    const key = target.ui === "comfyui" ? folder.setting?.key : undefined;
    if (key === undefined) return;
    for (const extra of target.extraFolders[key] ?? []) add(extra, kind);
    for (const alias of COMFY_ALIASES[key] ?? []) add(join(target.modelsDir, alias), kind);
  };
  for (const [kind, layout] of Object.entries(LAYOUTS[target.ui]) as [Kind, (typeof LAYOUTS)["a1111"]["lora"]][]) {
    addFolder(layout.folder, kind);
    addFolder(layout.lycoris, kind);
    for (const folder of Object.values(layout.byArchitecture ?? {})) addFolder(folder, kind);
  }
  addFolder(DIFFUSERS_FOLDERS[target.ui], "checkpoint");
  return [...byPath].map(([path, kinds]) => ({ path, kinds: [...kinds] })).sort((a, b) => (a.path < b.path ? -1 : 1));
}

export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep);
}

/** Folders a file of this candidate's kind is loaded from: the layout's choice under every routing option. */
function acceptedDirs(candidate: InstallCandidate, target: WebuiTarget): string[] {
  const dirs = new Set<string>();
  for (const lycorisDir of [false, true]) {
    const route = routeCandidate(candidate, target, { ...DEFAULT_PLAN_OPTIONS, lycorisDir });
    if (route.ok) dirs.add(route.dir);
  }
  if (target.ui === "comfyui") {
    // ComfyUI loads a key from all its folders: the default one, its aliases, and every extra path listed for it.
    for (const dir of [...dirs]) {
      const key =
        Object.keys(target.extraFolders).find((k) => target.extraFolders[k]?.includes(dir)) ??
        relative(target.modelsDir, dir);
      for (const alias of COMFY_ALIASES[key] ?? []) dirs.add(join(target.modelsDir, alias));
      for (const extra of target.extraFolders[key] ?? []) dirs.add(extra);
    }
  }
  // A1111 and Forge also load a VAE kept beside its checkpoint as `<checkpoint>.vae.safetensors`. A ComfyUI that
  // shares another UI's checkpoint folders (extra paths outside its root, as the documented `a111:` section does)
  // must leave such a VAE there too: moving it would take it from the UI that loads it.
  if (candidate.classification.kind === "vae" && /\.vae\.[^.]+$/i.test(basename(candidate.source))) {
    const checkpoints = LAYOUTS[target.ui].checkpoint.folder;
    const dir = checkpoints && folderPath(checkpoints, target);
    if (dir && target.ui !== "comfyui") dirs.add(dir);
    const key = target.ui === "comfyui" ? checkpoints?.setting?.key : undefined;
    for (const extra of key === undefined ? [] : (target.extraFolders[key] ?? [])) {
      if (!isInside(extra, target.root)) dirs.add(extra);
    }
  }
  return [...dirs];
}

export interface AuditInput {
  target: WebuiTarget;
  files: readonly AuditedFile[];
  /** SHA-256 of every file that shares its size with another readable file. */
  hashes: Readonly<Record<string, string>>;
  /** Folder → names in it, for every folder holding audited files or sidecars. */
  listings: Readonly<Record<string, readonly string[]>>;
}

/** Every finding, in {@link FINDING_ORDER}, files in path order within a type. */
export function auditFindings(input: AuditInput): AuditFinding[] {
  const { target, files } = input;
  const findings: AuditFinding[] = [];
  for (const { candidate, reasons } of files) {
    const path = candidate.source;
    const { kind, base } = candidate.classification;
    if (candidate.error) {
      findings.push(
        candidate.error.io === true
          ? { type: "unreadable", path, error: candidate.error }
          : { type: "not-a-model", path, error: candidate.error },
      );
      continue;
    }
    if (candidate.verdict === "dangerous") {
      findings.push({ type: "dangerous", path, reasons });
      continue;
    }
    if (candidate.verdict === "suspicious") findings.push({ type: "suspicious", path, reasons });
    const route = routeCandidate(candidate, target, DEFAULT_PLAN_OPTIONS);
    if (!route.ok) {
      if (route.reason.code === "unknown-kind") findings.push({ type: "unknown", path });
      else if (route.reason.code === "misnamed-pickle")
        findings.push({ type: "wrong-extension", path, format: candidate.format, name: null });
      else findings.push({ type: "not-loaded", path, reason: route.reason });
      continue;
    }
    if (route.extensionFixed)
      findings.push({ type: "wrong-extension", path, format: candidate.format, name: route.name });
    if (!acceptedDirs(candidate, target).some((dir) => isInside(path, dir))) {
      findings.push({ type: "misplaced", path, kind, base, belongs: route.dir });
    }
  }
  findings.push(...duplicates(input), ...orphanSidecars(input));
  const rank = (f: AuditFinding) => FINDING_ORDER.indexOf(f.type);
  const key = (f: AuditFinding) => ("path" in f ? f.path : f.keep);
  return findings.sort((a, b) => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Groups of identical files; every copy but the one kept wastes its size. Which copy is kept decides what the UI
 * still loads, so the keep rule prefers, in order: a well-placed copy; one whose name needs no fix (a loader picks
 * its reader by extension); one outside this UI's root (another UI loads it through shared extra paths, and
 * quarantining it here would take it from that UI); one with sidecars (its preview and info go where it goes); the
 * shallowest; then the first by path. Dangerous and unreadable files are judged on their own and never counted here.
 */
function duplicates(input: AuditInput): AuditFinding[] {
  const byHash = new Map<string, InstallCandidate[]>();
  for (const { candidate } of input.files) {
    const hash = input.hashes[candidate.source];
    if (!hash || candidate.error || candidate.verdict === "dangerous" || candidate.format === "diffusers") continue;
    byHash.set(hash, [...(byHash.get(hash) ?? []), candidate]);
  }
  const out: AuditFinding[] = [];
  for (const [sha256, group] of byHash) {
    if (group.length < 2) continue;
    const ranked = group
      .map((candidate) => ({ path: candidate.source, rank: keepRank(candidate, input) }))
      .sort((a, b) => compareRanks(a.rank, b.rank) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const keep = ranked[0]!.path;
    const size = group[0]!.size;
    out.push({
      type: "duplicate",
      sha256,
      size,
      keep,
      copies: group
        .map((c) => c.source)
        .filter((p) => p !== keep)
        .sort(),
      wastedBytes: size * (group.length - 1),
    });
  }
  return out;
}

/** Lower is better, compared element by element: see {@link duplicates} for the order. */
function keepRank(candidate: InstallCandidate, input: AuditInput): number[] {
  const path = candidate.source;
  const wellPlaced = acceptedDirs(candidate, input.target).some((dir) => isInside(path, dir));
  const route = routeCandidate(candidate, input.target, DEFAULT_PLAN_OPTIONS);
  const needsRename = !route.ok || route.extensionFixed;
  const elsewhere = !isInside(path, input.target.root);
  const stem = splitName(basename(path)).stem;
  const sidecars = (input.listings[dirname(path)] ?? []).some((name) => sidecarStem(name) === stem);
  return [wellPlaced ? 0 : 1, needsRename ? 1 : 0, elsewhere ? 0 : 1, sidecars ? 0 : 1, path.split(sep).length];
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The model stem an unambiguous sidecar name belongs to, or null when the name is no such sidecar. */
function sidecarStem(name: string): string | null {
  const match = UNAMBIGUOUS_SIDECAR.exec(name);
  return match ? name.slice(0, match.index) : null;
}

function orphanSidecars(input: AuditInput): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const [dir, names] of Object.entries(input.listings)) {
    // Any model-named file keeps its sidecars: the audit inspects a hard-linked file under one of its names only,
    // and the other names are models all the same.
    const stems = new Set(names.filter((n) => hasModelExtension(n)).map((n) => splitName(n).stem));
    for (const name of names) {
      const stem = sidecarStem(name);
      if (stem !== null && !stems.has(stem)) out.push({ type: "orphan-sidecar", path: join(dir, name) });
    }
  }
  return out;
}

/**
 * The files `--fix` moves, and where: quarantined ones under `quarantineDir` (mirroring their folder), misplaced and
 * misnamed ones through the layout. Suspicious files are quarantined only with `quarantineSuspicious`: with no sign
 * of code, moving a working model out of the UI's sight is the user's call.
 */
export function fixCandidates(
  findings: readonly AuditFinding[],
  files: readonly AuditedFile[],
  target: WebuiTarget,
  quarantineDir: string,
  options: { quarantineSuspicious: boolean } = { quarantineSuspicious: false },
): InstallCandidate[] {
  const bySource = new Map(files.map((f) => [f.candidate.source, f.candidate]));
  const quarantined = new Set<string>();
  const relocated = new Set<string>();
  for (const f of findings) {
    if (f.type === "dangerous" || f.type === "not-a-model" || (f.type === "suspicious" && options.quarantineSuspicious))
      quarantined.add(f.path);
    else if (f.type === "duplicate") for (const copy of f.copies) quarantined.add(copy);
    else if (f.type === "misplaced" || (f.type === "wrong-extension" && f.name !== null)) relocated.add(f.path);
  }
  const out: InstallCandidate[] = [];
  // Dangerous files first: whatever stops the batch later (a full disk, a folder that cannot be made), code that runs
  // when loaded has already left the model folders.
  const dangerous = new Set(findings.flatMap((f) => (f.type === "dangerous" ? [f.path] : [])));
  const byDanger = (a: string, b: string) =>
    Number(dangerous.has(b)) - Number(dangerous.has(a)) || (a < b ? -1 : a > b ? 1 : 0);
  for (const path of [...quarantined].sort(byDanger)) {
    const candidate = bySource.get(path);
    if (candidate) out.push({ ...candidate, placeAt: quarantineFolder(quarantineDir, target, dirname(path)) });
  }
  for (const path of [...relocated].sort()) {
    const candidate = bySource.get(path);
    if (candidate && !quarantined.has(path)) out.push(candidate);
  }
  return out;
}

/**
 * `<quarantine>/<folder relative to the WebUI root>`;
 * a folder outside the root (extra paths) keeps its absolute path below `external/`.
 */
function quarantineFolder(quarantineDir: string, target: WebuiTarget, dir: string): string {
  const rel = relative(target.root, dir);
  if (rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep))) return join(quarantineDir, rel);
  return join(quarantineDir, "external", dir.replace(/^[/\\]+/, "").replace(/:/g, ""));
}
