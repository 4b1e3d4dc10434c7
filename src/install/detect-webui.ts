import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InstallError } from "./errors.js";
import type { UiName } from "./types.js";

/** Every UI sdmodels recognises; only {@link UiName}s are written into. */
export type DetectedUi = UiName | "invokeai" | "swarmui" | "fooocus";

export interface Detection {
  ui: DetectedUi;
  shape: "install" | "models-dir";
  /** The UI's root: the folder itself, or `ComfyUI/` inside a Windows portable package. */
  root: string;
  evidence: string[];
}

/**
 * Marker sets per UI, most specific UI first (an A1111 fork carries A1111's markers too, so A1111 comes last). Any one
 * complete set identifies the UI; a trailing `/` means a folder. Sources: InvokeAI `INIT_FILE`/`DB_FILE`, SwarmUI's
 * repository layout, ComfyUI `main.py`/`folder_paths.py`/`comfy/`, Fooocus `entry_with_update.py`, SD.Next
 * `installer.py`/`modules/sd_detect.py`, Forge `modules_forge/`, A1111 `modules/launch_utils.py`.
 */
const MARKERS: readonly (readonly [DetectedUi, readonly (readonly string[])[]])[] = [
  ["invokeai", [["invokeai.yaml"], ["databases/invokeai.db"]]],
  ["swarmui", [["src/SwarmUI.csproj"], ["Data/Settings.fds"], ["launch-linux.sh", "launch-windows.bat"]]],
  ["comfyui", [["main.py", "folder_paths.py", "comfy/"]]],
  ["fooocus", [["entry_with_update.py"], ["fooocus_version.py"], ["models/checkpoints/put_checkpoints_here"]]],
  ["sdnext", [["installer.py", "launch.py", "webui.py"], ["modules/sd_detect.py"]]],
  ["forge", [["modules_forge/", "webui.py"], ["modules_forge/", "launch.py"], ["models/text_encoder/put_text_encoders_here.txt"]]],
  [
    "a1111",
    [
      ["modules/launch_utils.py"],
      ["launch.py", "webui.py"],
      ["webui-user.sh"],
      ["webui-user.bat"],
      ["extensions-builtin/Lora/"],
      ["models/Stable-diffusion/Put Stable Diffusion checkpoints here.txt"],
    ],
  ],
];

/** Sub-folders that make a bare folder a models folder; the first two of each style decide, the third only supports. */
const A1111_MODEL_DIRS = ["Stable-diffusion", "Lora", "VAE"];
const COMFY_MODEL_DIRS = ["checkpoints", "loras", "vae"];

/** Which UI `dir` is, with the evidence; null when nothing matches. */
export async function detectWebui(dir: string): Promise<Detection | null> {
  const install = await detectInstall(dir);
  if (install) return install;

  // ComfyUI's Windows portable package: the UI lives in ComfyUI/ next to the bundled python_embeded/.
  if ((await isDir(join(dir, "python_embeded"))) && (await isDir(join(dir, "ComfyUI")))) {
    const inner = await detectInstall(join(dir, "ComfyUI"));
    if (inner?.ui === "comfyui") {
      return { ...inner, evidence: ["found ComfyUI/ and python_embeded/ → ComfyUI portable package", ...inner.evidence] };
    }
  }
  return detectModelsDir(dir);
}

async function detectInstall(dir: string): Promise<Detection | null> {
  for (const [ui, sets] of MARKERS) {
    for (const set of sets) {
      const present = await Promise.all(set.map((m) => exists(join(dir, m), m.endsWith("/"))));
      if (present.every(Boolean)) {
        return { ui, shape: "install", root: dir, evidence: [`found ${set.join(", ")} → ${ui}`] };
      }
    }
  }
  return null;
}

async function detectModelsDir(dir: string): Promise<Detection | null> {
  const names = new Set(
    (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name),
  );
  const a1111 = A1111_MODEL_DIRS.filter((n) => names.has(n));
  const comfy = COMFY_MODEL_DIRS.filter((n) => names.has(n));
  const decides = (found: string[], style: string[]) => found.some((n) => style.slice(0, 2).includes(n));
  const isA1111 = decides(a1111, A1111_MODEL_DIRS);
  const isComfy = decides(comfy, COMFY_MODEL_DIRS);
  if (isA1111 && isComfy) {
    throw new InstallError(
      "WEBUI_AMBIGUOUS",
      `${dir} holds both A1111-style (${a1111.join(", ")}) and ComfyUI-style (${comfy.join(", ")}) model folders; pass --ui`,
    );
  }
  if (isA1111) {
    return { ui: "a1111", shape: "models-dir", root: dir, evidence: [`found ${a1111.join("/, ")}/ → A1111-style models folder`] };
  }
  if (isComfy) {
    return { ui: "comfyui", shape: "models-dir", root: dir, evidence: [`found ${comfy.join("/, ")}/ → ComfyUI-style models folder`] };
  }
  return null;
}

async function exists(path: string, wantDir: boolean): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && (wantDir ? info.isDirectory() : info.isFile());
}

async function isDir(path: string): Promise<boolean> {
  return exists(path, true);
}
