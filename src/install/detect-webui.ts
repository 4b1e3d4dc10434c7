import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InstallError } from "./errors.js";
import type { DetectedUi, DetectionEvidence, PortablePackage } from "./types.js";

export interface Detection {
  ui: DetectedUi;
  shape: "install" | "models-dir";
  /**
   * The UI's root: the folder itself, `ComfyUI/` or `Fooocus/` inside a Windows portable package, or `Data/` of a
   * portable Stability Matrix.
   */
  root: string;
  evidence: DetectionEvidence[];
}

/**
 * Marker sets per UI, most specific UI first (an A1111 fork carries A1111's markers too, so A1111 comes last). Any one
 * complete set identifies the UI; a trailing `/` means a folder. Sources: InvokeAI `INIT_FILE`/`DB_FILE`, SwarmUI's
 * repository layout, ComfyUI `main.py`/`folder_paths.py`/`comfy/`, Fooocus `entry_with_update.py`, Stability Matrix
 * `SettingsManager` (a library holds `settings.json`, `Models/`, `Packages/`; a portable one `.sm-portable`), SD.Next
 * `installer.py`/`modules/sd_detect.py`, Forge `modules_forge/`, A1111 `modules/launch_utils.py`. `--help` and the
 * README list these (see {@link markerHelp}).
 */
const MARKERS: readonly (readonly [DetectedUi, readonly (readonly string[])[]])[] = [
  ["invokeai", [["invokeai.yaml"], ["databases/invokeai.db"]]],
  ["swarmui", [["src/SwarmUI.csproj"], ["Data/Settings.fds"], ["launch-linux.sh", "launch-windows.bat"]]],
  ["comfyui", [["main.py", "folder_paths.py", "comfy/"]]],
  ["fooocus", [["entry_with_update.py"], ["fooocus_version.py"], ["models/checkpoints/put_checkpoints_here"]]],
  [
    "stabilitymatrix",
    [
      ["settings.json", "Models/", "Packages/"],
      [".sm-portable", "Models/"],
    ],
  ],
  ["sdnext", [["installer.py", "launch.py", "webui.py"], ["modules/sd_detect.py"]]],
  [
    "forge",
    [
      ["modules_forge/", "webui.py"],
      ["modules_forge/", "launch.py"],
      ["models/text_encoder/put_text_encoders_here.txt"],
    ],
  ],
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

/**
 * Packages that keep the UI one folder down: ComfyUI's and Fooocus' Windows portable packages (the UI next to the
 * bundled `python_embeded/`), and Stability Matrix's portable app (`Data/.sm-portable`, library in `Data/`).
 */
const WRAPPERS: readonly { ui: DetectedUi; inner: string; beside: string; package: PortablePackage }[] = [
  { ui: "comfyui", inner: "ComfyUI", beside: "python_embeded/", package: "comfyui-portable" },
  { ui: "fooocus", inner: "Fooocus", beside: "python_embeded/", package: "fooocus-portable" },
  { ui: "stabilitymatrix", inner: "Data", beside: "Data/.sm-portable", package: "stabilitymatrix-portable" },
];

/** Which UI `dir` is, with the evidence; null when nothing matches. */
export async function detectWebui(dir: string): Promise<Detection | null> {
  return (await detectInstallOrWrapper(dir)) ?? detectModelsDir(dir);
}

/**
 * The WebUI the folder `start` belongs to: `start` itself or the nearest folder above it that holds a UI's marker
 * files (so `sdmodels install` works from `models/Lora`). A bare models folder counts only at `start`: above it,
 * `Stable-diffusion/` or `loras/` sub-folders say too little.
 */
export async function findWebuiUpwards(start: string): Promise<Detection | null> {
  for (let dir = start; ; dir = dirname(dir)) {
    const found = await detectInstallOrWrapper(dir);
    if (found) return found;
    if (dirname(dir) === dir) break;
  }
  return detectModelsDir(start);
}

async function detectInstallOrWrapper(dir: string): Promise<Detection | null> {
  const install = await detectInstall(dir);
  if (install) return install;
  for (const wrapper of WRAPPERS) {
    if (!(await exists(join(dir, wrapper.beside), wrapper.beside.endsWith("/")))) continue;
    const inner = await detectInstall(join(dir, wrapper.inner));
    if (inner?.ui === wrapper.ui) {
      return {
        ...inner,
        evidence: [
          { type: "portable-package", package: wrapper.package, inner: wrapper.inner, beside: wrapper.beside },
          ...inner.evidence,
        ],
      };
    }
  }
  return null;
}

/** One line per UI: the marker sets that identify it, for `--help` and the README. */
export function markerHelp(): string[] {
  return MARKERS.map(([ui, sets]) => `${ui.padEnd(16)}${sets.map((set) => set.join(" + ")).join(" | ")}`);
}

async function detectInstall(dir: string): Promise<Detection | null> {
  for (const [ui, sets] of MARKERS) {
    for (const set of sets) {
      const present = await Promise.all(set.map((m) => exists(join(dir, m), m.endsWith("/"))));
      if (present.every(Boolean)) {
        return { ui, shape: "install", root: dir, evidence: [{ type: "markers", ui, markers: [...set] }] };
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
      "webui-ambiguous",
      `${dir} holds both A1111-style (${a1111.join(", ")}) and ComfyUI-style (${comfy.join(", ")}) ` +
        `model folders; pass --ui`,
    );
  }
  if (isA1111) {
    return {
      ui: "a1111",
      shape: "models-dir",
      root: dir,
      evidence: [{ type: "models-folder", style: "a1111", folders: a1111 }],
    };
  }
  if (isComfy) {
    return {
      ui: "comfyui",
      shape: "models-dir",
      root: dir,
      evidence: [{ type: "models-folder", style: "comfyui", folders: comfy }],
    };
  }
  return null;
}

async function exists(path: string, wantDir: boolean): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && (wantDir ? info.isDirectory() : info.isFile());
}
