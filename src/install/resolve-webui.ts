import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Detection, detectWebui, findWebuiUpwards } from "./detect-webui.js";
import { InstallError } from "./errors.js";
import { MODELS_FOLDER } from "./layouts.js";
import { readFolderSettings } from "./read-folder-settings.js";
import { type FolderSetting, UI_NAMES, type UiName, type WebuiEvidence, type WebuiTarget } from "./types.js";

/** A WebUI remembered with `sdmodels config webui`. */
export interface RememberedWebui {
  path: string;
  ui?: UiName;
  /** The config file it was read from, for the evidence line. */
  file: string;
}

export interface ResolveWebuiOptions {
  /** `--webui <dir>`, relative to `cwd`. */
  webui?: string;
  /** `--ui`: forces the UI instead of detecting it. */
  ui?: UiName;
  /** `--create`: with `--ui`, accept a folder that is not a WebUI (yet); its folders are created on install. */
  create?: boolean;
  /**
   * The remembered WebUI, asked for only when no flag, no `SDMODELS_WEBUI` and no folder from `cwd` upwards names
   * one (so a broken config file does not stop an install that names its WebUI).
   */
  remembered?: () => Promise<RememberedWebui | null>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Which launcher script applies (`webui-user.bat` on Windows, `webui-user.sh` elsewhere); default: this OS. */
  platform?: NodeJS.Platform;
}

const UNSUPPORTED = "InvokeAI manages its own model store: add files through its Model Manager (install from a path)";
const SEE_MARKERS = "the files that identify each WebUI are listed in `sdmodels --help`";

/**
 * The WebUI to install into: `--webui`, else `SDMODELS_WEBUI`, else the current folder or the nearest one above it
 * that is a WebUI, else the one remembered by `sdmodels config webui`. The UI comes from `--ui`, else the remembered
 * one, else marker files; its folders from the UI's own settings files. Every step is kept as evidence.
 */
export async function resolveWebui(options: ResolveWebuiOptions): Promise<WebuiTarget> {
  const explicit = options.webui ?? (options.env.SDMODELS_WEBUI || undefined);
  const evidence: WebuiEvidence[] = [];
  let dir: string;
  let detection: Detection | null;
  let rememberedUi: UiName | undefined;

  if (explicit !== undefined) {
    dir = resolve(options.cwd, explicit);
    const isFolder = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isFolder && !(options.create && options.ui)) {
      throw new InstallError("webui-not-found", `WebUI folder ${dir} does not exist or is not a folder`);
    }
    detection = isFolder ? await detectWebui(dir) : null;
  } else {
    detection = await findWebuiUpwards(options.cwd);
    dir = detection?.root ?? options.cwd;
    const remembered = detection ? null : await options.remembered?.();
    if (detection) evidence.push({ type: "current-folder", dir, above: detection.root !== options.cwd });
    else if (remembered) {
      dir = remembered.path;
      rememberedUi = remembered.ui;
      detection = await stat(dir).then(
        (s) => (s.isDirectory() ? detectWebui(dir) : null),
        () => null,
      );
      evidence.push({ type: "remembered-folder", dir, file: remembered.file });
    } else {
      throw new InstallError(
        "webui-not-found",
        `neither ${options.cwd} nor a folder above it is a WebUI (${SEE_MARKERS}); ` +
          `remember one with \`sdmodels config webui <dir>\`, or pass --webui <dir> ` +
          `or set SDMODELS_WEBUI`,
      );
    }
  }

  const forced = options.ui ?? rememberedUi;
  let ui: UiName;
  if (forced) {
    // A layout remembered with `sdmodels config webui --ui X --create` was consented to then.
    if (!detection && !options.create && !rememberedUi) {
      throw new InstallError(
        "webui-not-found",
        `${dir} is not a WebUI (${SEE_MARKERS}); to install into it with the ${forced} layout anyway, add --create`,
      );
    }
    ui = forced;
    evidence.unshift({ type: "ui-given", ui, by: options.ui ? "flag" : "config" });
    if (!detection) evidence.push({ type: "create", dir, ui });
    else evidence.push(...detection.evidence.map((e): WebuiEvidence => ({ type: "also-detected", evidence: e })));
  } else if (!detection) {
    throw new InstallError(
      "webui-not-found",
      `cannot tell which WebUI ${dir} is (${SEE_MARKERS}); pass --ui ${UI_NAMES.join("|")}`,
    );
  } else if (detection.ui === "invokeai") {
    throw new InstallError("webui-unsupported", `${dir} is invokeai: ${UNSUPPORTED}`, detection.evidence);
  } else {
    ui = detection.ui;
    evidence.unshift(...detection.evidence);
  }
  return buildTarget(ui, detection?.ui === ui ? detection : null, dir, options, evidence);
}

async function buildTarget(
  ui: UiName,
  detection: Detection | null,
  dir: string,
  options: ResolveWebuiOptions,
  evidence: WebuiEvidence[],
): Promise<WebuiTarget> {
  const root = detection?.root ?? dir;
  const shape = detection?.shape ?? "install";
  if (shape === "models-dir") {
    return { ui, root, shape, modelsDir: root, dataDir: null, extraFolders: {}, folders: {}, roots: [], evidence };
  }
  const settings = await readFolderSettings(ui, root, {
    env: options.env,
    platform: options.platform ?? process.platform,
  });
  const dataDir = settings.dataDir?.path ?? root;
  const roots = [settings.dataDir, settings.modelsDir].filter((s): s is FolderSetting => s !== undefined);
  return {
    ui,
    root,
    shape,
    modelsDir: settings.modelsDir?.path ?? join(dataDir, MODELS_FOLDER[ui]),
    dataDir,
    extraFolders: settings.extraFolders,
    folders: settings.folders,
    roots,
    evidence: [
      ...evidence,
      ...settings.evidence.map((text): WebuiEvidence => ({ type: "settings", text })),
      ...settings.warnings.map((text): WebuiEvidence => ({ type: "settings-warning", text })),
    ],
  };
}
