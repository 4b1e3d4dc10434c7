import type { Base, Classification, Kind } from "../classify/types.js";
import type { FileFormat, InspectError } from "../inspect/types.js";
import type { FileIdentity } from "../model/file-identity.js";
import { UI_NAMES, type UiName } from "../model/ui-folders.js";
import type { Verdict } from "../model/verdict.js";
import type { SpecialFileType } from "../read/open-regular-file.js";
import type { SidecarLeft, SidecarRejection } from "./sidecar-policy.js";
import type { LoadJudgement } from "./will-load.js";

export type { FileIdentity };
export { UI_NAMES, type UiName };

/** A folder the UI's own settings name, and where that was read: the report shows it next to the folder. */
export interface FolderSetting {
  /** The setting as the file spells it: `--lora-dir`, `ckpt_dir`, `Paths.SDLoraFolder`, `path_loras`, `loras`. */
  name: string;
  /** Absolute folder the UI reads (for a list, the first entry: where the UI's own downloads go). */
  path: string;
  /** The file the setting was read from, and its 1-based line (0: not from a file, e.g. the environment). */
  file: string;
  line: number;
}

/** What the CLI hands the installer: one inspected and classified file. */
export interface InstallCandidate {
  /** Absolute path. */
  source: string;
  size: number;
  /**
   * The file as it was before it was inspected (lstat). The installer installs it only while it still is that file;
   * absent for a file that does not exist yet (a planned download).
   */
  identity?: FileIdentity;
  /** Content format: decides the extension the file is installed under. */
  format: FileFormat;
  /** Safety verdict. */
  verdict: Verdict;
  /** Unreadable or corrupt file. */
  error: InspectError | null;
  classification: Classification;
  /**
   * A folder chosen by the caller instead of the layout (audit's quarantine): the file keeps its name and is moved
   * whatever its kind or verdict, since moving it there takes it out of every loader's sight.
   */
  placeAt?: string;
}

export interface WebuiTarget {
  ui: UiName;
  /** The folder the user named (or that was detected): the WebUI root, or a bare models folder. */
  root: string;
  /** `install`: a WebUI checkout or data dir. `models-dir`: a bare folder holding the model sub-folders. */
  shape: "install" | "models-dir";
  /** Where `models/…` layout folders live: `<root>/models`, or the root itself for a bare models folder. */
  modelsDir: string;
  /** Where A1111's top-level folders (`embeddings`, `extensions/…`) live; null for a bare models folder. */
  dataDir: string | null;
  /**
   * ComfyUI folder key → folders, in ComfyUI's search order, from `extra_model_paths.yaml`. Only the `is_default`
   * ones are install targets (they are in {@link folders}); the rest matter to {@link isInsideWebui}.
   */
  extraFolders: Readonly<Record<string, readonly string[]>>;
  /**
   * Layout setting key (`LayoutFolder.setting.key`) → the folder the UI's own settings put it in: A1111/Forge
   * `COMMANDLINE_ARGS` flags, SD.Next `config.json`, SwarmUI `Data/Settings.fds`, Fooocus `config.txt`, ComfyUI
   * `is_default` sections. A kind whose key is here is installed there instead of under {@link modelsDir}.
   */
  folders: Readonly<Record<string, FolderSetting>>;
  /** Settings that moved {@link modelsDir} or {@link dataDir} (`--data-dir`, `--models-dir`, `models_dir`, …). */
  roots: readonly FolderSetting[];
  /** Why sdmodels believes this is that UI, step by step; src/cli/report makes the words. */
  evidence: WebuiEvidence[];
}

/** Every UI sdmodels recognises; only {@link UiName}s are written into (InvokeAI manages its own store). */
export type DetectedUi = UiName | "invokeai";

/** A portable package that keeps the UI one folder down. */
export type PortablePackage = "comfyui-portable" | "fooocus-portable" | "stabilitymatrix-portable";

/** What the files in a folder say about which UI it is. */
export type DetectionEvidence =
  /** A complete marker set of `ui` (a trailing `/` means a folder). */
  | { type: "markers"; ui: DetectedUi; markers: string[] }
  /** `inner/` holds the UI and `beside` sits next to it. */
  | { type: "portable-package"; package: PortablePackage; inner: string; beside: string }
  /** A bare models folder, told by its sub-folders. */
  | { type: "models-folder"; style: "a1111" | "comfyui"; folders: string[] };

/** One step of choosing the WebUI: how its folder was found, how its UI was told, which settings were read. */
export type WebuiEvidence =
  | DetectionEvidence
  /** The folder came from the current folder (`above`: a folder above it). */
  | { type: "current-folder"; dir: string; above: boolean }
  | { type: "remembered-folder"; dir: string; file: string }
  /** `--ui` (`flag`) or the UI remembered with the folder (`config`) decided, not the marker files. */
  | { type: "ui-given"; ui: UiName; by: "flag" | "config" }
  /** What the files said while `--ui` or the remembered UI decided. */
  | { type: "also-detected"; evidence: DetectionEvidence }
  /** `--create`: the folder is not a WebUI yet. */
  | { type: "create"; dir: string; ui: UiName }
  /** A settings file or line the folders were read from (its words are made where it is read, for now). */
  | { type: "settings"; text: string }
  | { type: "settings-warning"; text: string };

export type ConflictPolicy = "rename" | "skip" | "fail";

export interface PlanOptions {
  /** The plan is for display only; {@link applyPlan} touches nothing. */
  dryRun: boolean;
  /** Keep the source (copy instead of move). */
  copy: boolean;
  /** Different content already at the destination: install as `name_2.ext`, skip, or leave as a conflict. */
  onConflict: ConflictPolicy;
  /**
   * Refuse files whose verdict is "suspicious", and files the target UI will not load, instead of installing them
   * with a warning.
   */
  strict: boolean;
  /** A1111 only: route LyCORIS algorithms (everything but plain LoRA) to `models/LyCORIS`. */
  lycorisDir: boolean;
  /** Put base-specific kinds into a base sub-folder (`SD1.5`, `SDXL`, `FLUX1`, …, `Unknown`). */
  byBase: boolean;
  /**
   * `sort`: the folder being sorted. A candidate whose real path (links resolved) lies outside it, or inside the
   * WebUI, is left where it is. null for `install`, which moves exactly the files it was named.
   */
  sortedDir: string | null;
}

export const DEFAULT_PLAN_OPTIONS: Readonly<PlanOptions> = {
  dryRun: false,
  copy: false,
  onConflict: "rename",
  strict: false,
  lycorisDir: false,
  byBase: false,
  sortedDir: null,
};

/** A folder entry as the planner sees it. */
export interface SnapshotEntry {
  /** Size and type of what the entry points to (symlinks followed). */
  size: number;
  isFile: boolean;
  /** The entry itself is a symbolic link. */
  isSymlink?: boolean;
}

/**
 * Everything the planner may know about the filesystem, gathered by {@link gatherSnapshot}: listings of source and
 * destination folders, and SHA-256 of files that share a size with a candidate.
 */
export interface FsSnapshot {
  /** Absolute folder path → its entries by name, or null when the folder does not exist. */
  folders: Readonly<Record<string, Readonly<Record<string, SnapshotEntry>> | null>>;
  /** Absolute file path → lower-case hex SHA-256. */
  hashes: Readonly<Record<string, string>>;
  /**
   * With `sortedDir` set: absolute path → real path (every link resolved) of each candidate source, the sorted folder
   * and each WebUI root. A path that could not be resolved is absent.
   */
  realPaths: Readonly<Record<string, string>>;
  /**
   * Each sidecar found beside a candidate that could be installed → null when it may travel with its model, else why
   * it stays (see `SIDECAR_RULES`). A sidecar missing here was never checked and never travels.
   */
  sidecars: Readonly<Record<string, SidecarRejection | null>>;
  /** Each sidecar's identity when its content was checked; applying carries only a sidecar that still has it. */
  sidecarIdentities?: Readonly<Record<string, FileIdentity>>;
  /** Destination folder → what the real run there depends on ({@link gatherTargetFacts}); absent: not checked. */
  targets?: Readonly<Record<string, TargetFolderFacts>>;
  /** Each folder candidate (a diffusers pipeline) → what walking its tree found; absent: not walked. */
  folderTrees?: Readonly<Record<string, FolderTreeFacts>>;
}

/** What planning knows about a folder that would move: its size, and what in it cannot travel. */
export type FolderTreeFacts =
  /** Only regular files and folders: `bytes` is what a copy writes. */
  | { ok: true; bytes: number }
  /** A symbolic link or special file at `path` (or, `found: null`, more entries than a model folder holds). */
  | { ok: false; path: string; found: SpecialFileType | null };

/** What planning knows about a destination folder so that a dry run and the real run agree. */
export interface TargetFolderFacts {
  /** New files can be created there (or in the nearest existing folder it would be created under). */
  writable: boolean;
  /** Bytes an unprivileged writer may still use on its filesystem; null when the filesystem does not say. */
  freeBytes: number | null;
  /** Its filesystem: a source on another device is copied, and its bytes count against `freeBytes`. */
  dev: number;
  /** Names that differ only in case are the same file there. */
  caseInsensitive: boolean;
}

/** What a skip or a warning says about the model, so that its words can be made from the reason alone. */
export type ModelFacts = Pick<Classification, "kind" | "base" | "architecture" | "loraFormat">;

/**
 * Why a file is not installed, told apart by `code`, with the facts a report needs as fields: a reason that names
 * another file carries its path, a reason about a folder carries the folder. Reasons hold no sentences; the CLI
 * makes its words from these fields (src/cli/report/plan-messages.ts).
 */
export type SkipReason =
  /** The file could not be read or parsed; `error` is its inspect error's code. */
  | { code: "unreadable"; error: string }
  | { code: "dangerous" }
  | { code: "unknown-kind" }
  /** `strict`, and the verdict is suspicious. */
  | { code: "suspicious-strict" }
  /** A diffusers pipeline folder, and the UI loads none. */
  | { code: "diffusers-not-loaded"; ui: UiName }
  /** `unknown`: no container a UI loads; `diffusers`: a pipeline folder asked to be copied (folders are only moved). */
  | { code: "unsupported-format"; format: "unknown" }
  /** `strict`, and the target UI will not load the file ({@link LoadJudgement} `ui`). */
  | { code: "will-not-load"; load: LoadJudgement; model: ModelFacts }
  /** No UI applies this file as it is (a LoRA format only a converter reads). */
  | { code: "needs-conversion"; load: LoadJudgement; model: ModelFacts }
  /**
   * The UI has no folder for this kind (`architecture`: the upscaler family that decided), or its folder lives in a
   * WebUI root this bare models folder does not have (`rootFolder`).
   */
  | {
      code: "no-folder";
      ui: UiName;
      kind: Kind;
      architecture: string | null;
      rootFolder: { folder: string; modelsFolder: string } | null;
    }
  /** Pickle content under a safetensors extension: refused, never renamed. */
  | { code: "misnamed-pickle"; extension: string }
  /** The folder's loader lists none of the extensions this content may have. */
  | { code: "extension-not-loaded"; content: "safetensors" | "gguf" | "pickle"; folder: string; extensions: string[] }
  /** The file with the same content already at (or planned for) the destination folder. */
  | { code: "duplicate"; of: string }
  /** The different file that occupies the destination (or one of its sidecars' destinations). */
  | { code: "conflict"; existing: string }
  | { code: "in-place" }
  | { code: "symlink" }
  /** `sort`: the file's real path (links resolved) lies inside the WebUI. */
  | { code: "inside-webui"; realPath: string }
  /** `sort`: the file's real path lies outside the sorted folder (null: it could not be resolved). */
  | { code: "outside-sorted-folder"; realPath: string | null; sortedDir: string }
  /** `strict`: this many sidecars would stay behind (the entry's `sidecarsLeft` says which and why). */
  | { code: "sidecar-refused"; sidecars: number }
  /** The final name (after extension fix or conflict rename) is longer than the target filesystem allows. */
  | { code: "name-too-long"; name: string; bytes: number; limit: number }
  /** The target folder (or the folder it would be created in) is not writable, or on a read-only filesystem. */
  | { code: "not-writable"; dir: string }
  /** A copy (across filesystems, or --copy) would not fit in the target filesystem's free space. */
  | { code: "no-space"; needed: number; free: number }
  /** A folder holding a symbolic link or special file (null: more entries than a model folder has). */
  | { code: "special-file-in-folder"; path: string; found: SpecialFileType | null };

export type SkipCode = SkipReason["code"];

/**
 * What a planned file, or the plan as a whole, should be told about, as data; the CLI makes the words
 * (src/cli/report/plan-messages.ts).
 */
export type PlanWarning =
  /** Installed although its verdict is suspicious. */
  | { type: "suspicious" }
  /** Installed although the target UI will not load it. */
  | { type: "will-not-load"; load: LoadJudgement; model: ModelFacts }
  /** The layout table's note on the destination folder (a custom node it needs, how files there are found). */
  | { type: "folder-note"; note: string }
  /** A GGUF file in ComfyUI, whose own loaders skip `.gguf`. */
  | { type: "comfyui-gguf" }
  /** Installed under another extension, the one its content needs. */
  | { type: "extension-fixed"; format: FileFormat; from: string; to: string }
  /** A sidecar beside it also belongs to an earlier file of the batch, and moves with that one. */
  | { type: "sidecar-claimed"; sidecar: string }
  /** A different file is at the destination: installed under a numbered name. */
  | { type: "conflict-renamed"; existing: string; installedAs: string }
  /** The plan's: the LyCORIS-folder option means nothing to this UI. */
  | { type: "lycoris-dir-ignored"; ui: UiName };

export interface SidecarMove {
  source: string;
  destination: string;
  /** The source as it was when its content was checked: a file found there with another identity stays behind. */
  identity?: FileIdentity;
}

export interface MoveEntry {
  action: "move";
  source: string;
  destination: string;
  size: number;
  kind: Kind;
  base: Base;
  /** Why the file name changed, if it did: extension fix for the loader, or a conflict rename. */
  renamed: Readonly<{ extension: boolean; conflictWith: string | null }>;
  sidecars: readonly SidecarMove[];
  /** Sidecars found by name that stay where they are: not what their name says, or not a regular file. */
  sidecarsLeft: readonly SidecarLeft[];
  /** Known when a same-size file forced hashing. */
  sha256: string | null;
  /** The candidate's identity at inspection: the move happens only while the source still matches it. */
  identity?: FileIdentity;
  warnings: readonly PlanWarning[];
  /** Set when the target UI will not load the file (installed anyway unless `strict`); see will-load.ts. */
  notLoaded?: LoadJudgement;
}

export interface SkipEntry {
  action: "skip";
  source: string;
  /** Where the file would have gone, when that was decided before the skip. */
  destination: string | null;
  reason: SkipReason;
  /** `sidecar-refused` (strict): the sidecars that would have stayed behind, and why. */
  sidecarsLeft?: readonly SidecarLeft[];
  warnings: readonly PlanWarning[];
}

/** Different content at the destination under `onConflict: "fail"`; {@link applyPlan} refuses such a plan. */
export interface ConflictEntry {
  action: "conflict";
  source: string;
  destination: string;
  /** The occupied path (the model's destination or one of its sidecars'). */
  existing: string;
  warnings: readonly PlanWarning[];
}

export type PlanEntry = MoveEntry | SkipEntry | ConflictEntry;

export interface InstallPlan {
  target: WebuiTarget;
  options: PlanOptions;
  /** One entry per candidate, in candidate order. */
  entries: PlanEntry[];
  /** About the batch as a whole, e.g. an option that has no effect on this UI. */
  warnings: PlanWarning[];
  summary: { move: number; skip: number; conflict: number; bytes: number };
}

/**
 * `changed`: the source is no longer the file that was inspected (replaced, rewritten, touched or deleted since), so it was
 * not installed and the batch went on. `interrupted`: SIGINT/SIGTERM arrived while it was being copied; its partial
 * copy was removed and the batch stopped.
 */
export type ApplyStatus = "done" | "failed" | "not-attempted" | "changed" | "interrupted";

export interface AppliedEntry {
  source: string;
  destination: string;
  status: ApplyStatus;
  /** `rename` on one filesystem, `copy` across filesystems or with the copy option. */
  method: "rename" | "copy" | null;
  sidecars: readonly SidecarMove[];
  /**
   * Files of this group (the model or a sidecar) that reached the WebUI but whose source could not be removed
   * (read-only folder or filesystem): installed as copies, journaled as such, the originals left where they were.
   */
  sourcesKept?: { path: string; code: string }[];
  /** Planned sidecars that stayed behind: they became a link or a special file after planning. */
  sidecarsLeft?: SidecarLeft[];
}

export interface ApplyFailure {
  source: string;
  destination: string;
  /** errno code (`ENOSPC`, `EACCES`, …) or an installer code (`destination-exists`). */
  code: string;
  /** The error's own message (the system's or the installer's), without the file names the report adds. */
  detail: string;
}

export interface ApplyReport {
  /** null for a dry run: nothing was written, not even a journal. */
  batchId: string | null;
  journalPath: string | null;
  dryRun: boolean;
  entries: AppliedEntry[];
  /** The first failure; the batch stops there (earlier entries stay installed and undoable). */
  failure: ApplyFailure | null;
  /** Temp files of interrupted earlier copies found in destination folders. */
  leftoverTemps: { path: string; removed: boolean }[];
  /** The signal that stopped the batch (the batch is journaled `interrupted`), or null. */
  interrupted?: NodeJS.Signals | null;
  /** Earlier batches left `applying` by a killed or interrupted run, recovered before this one started. */
  recovered?: RecoveredBatch[];
}

/** What recovery found of a batch whose process died while applying it. */
export interface RecoveredBatch {
  batchId: string;
  /** The dead (or long silent) process that was applying it. */
  pid: number | null;
  /** Files that had reached the WebUI (now journaled `done`, undoable). */
  installed: string[];
  /** Partial copies removed. */
  tempsRemoved: string[];
}

export type ApplyProgress =
  | { type: "start"; source: string; destination: string; size: number; index: number; total: number }
  | { type: "bytes"; source: string; copied: number; size: number }
  | { type: "done"; source: string; destination: string; method: "rename" | "copy" };

/** A file undo left where it is, and why; src/cli/report makes the words. */
export type UndoRefusal =
  /** The installed file is no longer there: nothing to put back. */
  | { code: "installed-gone"; path: string }
  /** Something else now sits at the path it came from (`original`). */
  | { code: "original-occupied"; path: string; original: string }
  /** Dangerous as it is now: undo never puts code back where a UI loads it (the CLI exits 9). */
  | { code: "dangerous"; path: string; original: string }
  /** A sidecar stays because its `model` stays. */
  | { code: "kept-with-model"; path: string; model: string }
  /** Putting it back failed: `errorCode` is the errno or installer code when there is one. */
  | { code: "restore-failed"; path: string; errorCode: string | null; message: string };

export interface UndoReport {
  batchId: string;
  /** Stale batches recovered before undoing (see {@link RecoveredBatch}). */
  recovered?: RecoveredBatch[];
  /** Paths put back (or, for a copy install, installed copies removed). */
  restored: { from: string; to: string | null }[];
  refused: UndoRefusal[];
  /** The signal that stopped undo between files (the rest stays installed, undoable later), or null. */
  interrupted?: NodeJS.Signals | null;
}
