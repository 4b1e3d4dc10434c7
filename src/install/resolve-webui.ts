import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseExtraModelPaths, type ExtraModelPaths } from "./comfy-extra-paths.js";
import { detectWebui, type Detection } from "./detect-webui.js";
import { InstallError } from "./errors.js";
import { UI_NAMES, type UiName, type WebuiTarget } from "./types.js";

export interface ResolveWebuiOptions {
  /** `--webui <dir>`, relative to `cwd`. */
  webui?: string;
  /** `--ui`: forces the UI instead of detecting it. */
  ui?: UiName;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  invokeai: "InvokeAI manages its own model store: add files through its Model Manager (install from a path)",
  swarmui: "SwarmUI is not a supported target yet; pass --ui to install into its folders anyway",
  fooocus: "Fooocus is not a supported target yet; pass --ui to install into its folders anyway",
};

/**
 * The WebUI to install into: `--webui`, else `SDMODELS_WEBUI`, else the current folder when it looks like a WebUI.
 * The UI comes from `--ui`, else from marker files (evidence kept in the result).
 */
export async function resolveWebui(options: ResolveWebuiOptions): Promise<WebuiTarget> {
  const explicit = options.webui ?? (options.env.SDMODELS_WEBUI || undefined);
  const dir = resolve(options.cwd, explicit ?? ".");
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new InstallError("WEBUI_NOT_FOUND", `WebUI folder ${dir} does not exist or is not a folder`);
  }
  const detection = await detectWebui(dir);
  if (!explicit && !detection) {
    throw new InstallError(
      "WEBUI_NOT_FOUND",
      `${dir} does not look like a WebUI; pass --webui <dir> or set SDMODELS_WEBUI`,
    );
  }

  let ui: UiName;
  const evidence: string[] = [];
  if (options.ui) {
    ui = options.ui;
    evidence.push(`--ui ${ui}`);
    if (detection) evidence.push(...detection.evidence.map((e) => `(detected: ${e})`));
  } else if (!detection) {
    throw new InstallError("WEBUI_NOT_FOUND", `cannot tell which WebUI ${dir} is; pass --ui ${UI_NAMES.join("|")}`);
  } else if (!isSupported(detection.ui)) {
    throw new InstallError("WEBUI_UNSUPPORTED", `${dir} is ${detection.ui}: ${UNSUPPORTED[detection.ui]}`, detection.evidence);
  } else {
    ui = detection.ui;
    evidence.push(...detection.evidence);
  }
  if (explicit === undefined) evidence.push(`using the current folder ${dir}`);
  return buildTarget(ui, detection?.ui === ui ? detection : null, dir, options.env, evidence);
}

async function buildTarget(
  ui: UiName,
  detection: Detection | null,
  dir: string,
  env: NodeJS.ProcessEnv,
  evidence: string[],
): Promise<WebuiTarget> {
  const root = detection?.root ?? dir;
  const shape = detection?.shape ?? "install";
  let extra: ExtraModelPaths = { folders: {}, defaultKeys: [] };
  if (ui === "comfyui" && shape === "install") {
    const yamlPath = join(root, "extra_model_paths.yaml");
    const text = await readFile(yamlPath, "utf8").catch(() => null);
    if (text !== null) {
      extra = parseExtraModelPaths(text, yamlPath, { env, home: env.HOME ?? env.USERPROFILE ?? homedir(), platform: process.platform });
      evidence.push(
        extra.defaultKeys.length > 0
          ? `read ${yamlPath}: is_default folders for ${extra.defaultKeys.join(", ")}`
          : `read ${yamlPath}: no is_default section, installing into ${join(root, "models")}`,
      );
    }
  }
  return {
    ui,
    root,
    shape,
    modelsDir: shape === "models-dir" ? root : join(root, "models"),
    dataDir: shape === "install" ? root : null,
    extraFolders: extra.folders,
    defaultKeys: extra.defaultKeys,
    evidence,
  };
}

function isSupported(ui: string): ui is UiName {
  return (UI_NAMES as readonly string[]).includes(ui);
}
