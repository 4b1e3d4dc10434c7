/**
 * The words for where a WebUI loads a kind of model file, and the builders each kind declaration
 * (src/classify/kinds/<kind>.ts) uses to name its folder in every UI. Kept here, below classify/ and install/, so a
 * kind can declare its folders in its one file while the installer reads them without the classifier importing it.
 *
 * Sources of the folder data: A1111 `modules/paths_internal.py`, `modules/cmd_args.py`, `modules/sd_models.py`,
 * `modules/sd_vae.py`, `extensions-builtin/Lora/networks.py`, `modules/{esrgan,dat,hat}_model.py`; Forge
 * `modules_forge/shared.py`, `modules_forge/main_entry.py`; SD.Next `modules/shared.py`, `modules/ui_definitions.py`;
 * ComfyUI `folder_paths.py` (keys) and the custom-node packs that register `ipadapter`, `animatediff_models` and
 * `facerestore_models`; SwarmUI `src/Core/Settings.cs` and the folder list it hands its ComfyUI backend; Fooocus
 * `modules/config.py`; Stability Matrix `Models/SharedFolderType.cs`.
 *
 * Each folder names the setting that can move it (`setting.key`): the A1111 flag's argparse name (`lora_dir` for
 * `--lora-dir`), the SD.Next / Fooocus / SwarmUI option, or the ComfyUI folder key.
 */

/**
 * The UIs sdmodels installs into. `stabilitymatrix` is Stability Matrix's shared model library (`Data/Models`), which
 * it links or configures into every UI it manages. InvokeAI is detected and refused: it owns its model store.
 */
export const UI_NAMES = ["a1111", "forge", "sdnext", "comfyui", "swarmui", "fooocus", "stabilitymatrix"] as const;
export type UiName = (typeof UI_NAMES)[number];

export interface LayoutFolder {
  /** Relative to the models folder, or (A1111 `embeddings`, `extensions/…`) to the data dir. */
  path: string;
  under: "models" | "data";
  /**
   * File extensions the UI lists in this folder (A1111 picks its loader by extension). A pickle keeps its extension
   * when listed here, else takes the first pickle extension of the list.
   */
  extensions: readonly string[];
  /**
   * The UI setting that moves this folder, and where the folder lies inside the folder it names (`within`, e.g.
   * SD.Next's `control_dir` holds `controlnet/`). See `WebuiTarget.folders` in src/install/types.ts.
   */
  setting?: { key: string; within?: string };
  /** Said in the plan whenever a file goes here. */
  warning?: string;
  /** Whether a `--by-base` sub-folder makes sense: false for files that serve every base (upscalers, …). */
  baseSpecific: boolean;
}

export interface KindLayout {
  /** null: the UI has no folder for the kind (or for an architecture missing from `byArchitecture`). */
  folder: LayoutFolder | null;
  /** Folder by `Classification.architecture`, checked first. */
  byArchitecture?: Readonly<Record<string, LayoutFolder | null>>;
  /** Folder for LyCORIS algorithms when the `lycorisDir` option is on. */
  lycoris?: LayoutFolder;
}

/** One kind's folder in every UI: what a kind declaration names, and what the installer's layouts are made of. */
export type FoldersByUi = Readonly<Record<UiName, KindLayout>>;

/** A UI without a folder for the kind. */
export const NO_FOLDER: KindLayout = { folder: null };

export const SAFETENSORS_EXTENSIONS: readonly string[] = [".safetensors", ".sft"];
export const PICKLE_EXTENSIONS: readonly string[] = [".ckpt", ".pt", ".pth", ".bin", ".pt2", ".pkl"];

/** The extensions every ComfyUI folder lists (`folder_paths.supported_pt_extensions`). */
export const COMFY_EXTENSIONS: readonly string[] = [
  ".safetensors",
  ".sft",
  ".ckpt",
  ".pt",
  ".pth",
  ".bin",
  ".pt2",
  ".pkl",
];
/** ComfyUI-GGUF registers `.gguf` for the diffusion-model (`unet`) and text-encoder (`clip`) keys only. */
export const COMFY_WITH_GGUF: readonly string[] = [...COMFY_EXTENSIONS, ".gguf"];

/** What A1111's VAE, LoRA and hypernetwork-family loaders list. */
export const SAFETENSORS_OR_PICKLE: readonly string[] = [".safetensors", ".pt", ".ckpt"];
export const A1111_CHECKPOINTS: readonly string[] = [".safetensors", ".ckpt"];
export const FORGE_CHECKPOINTS: readonly string[] = [".safetensors", ".ckpt", ".gguf"];
const CONTROLNET_EXTENSIONS: readonly string[] = [".safetensors", ".pth", ".pt", ".ckpt", ".bin"];

export interface FolderOptions {
  under?: "models" | "data";
  warning?: string;
  baseSpecific?: boolean;
  setting?: string;
  within?: string;
}

/** A folder of an A1111-family UI (A1111, Forge, SD.Next). */
export function folder(path: string, extensions: readonly string[], extra: FolderOptions = {}): LayoutFolder {
  return {
    path,
    under: extra.under ?? "models",
    extensions,
    baseSpecific: extra.baseSpecific ?? true,
    ...(extra.setting === undefined
      ? {}
      : { setting: { key: extra.setting, ...(extra.within === undefined ? {} : { within: extra.within }) } }),
    ...(extra.warning === undefined ? {} : { warning: extra.warning }),
  };
}

/**
 * The sd-webui-controlnet models folder of A1111 and Forge: ControlNets, T2I-Adapters and IP-Adapters all load from
 * it, so the three kinds name this one folder.
 */
export const A1111_CONTROLNET: KindLayout = {
  folder: folder("ControlNet", CONTROLNET_EXTENSIONS, { setting: "controlnet_dir" }),
};

/** Options of a folder that serves every base model, so `--by-base` never splits it. */
export const ANY_BASE = { baseSpecific: false } as const;

/** A ComfyUI folder: its `folder_paths` key is both its path under `models/` and the setting that moves it. */
export function comfy(
  key: string,
  extra: { warning?: string; baseSpecific?: boolean; extensions?: readonly string[] } = {},
): LayoutFolder {
  const { extensions, ...rest } = extra;
  return folder(key, extensions ?? COMFY_EXTENSIONS, { ...rest, setting: key });
}

/** SD.Next's `control_dir` holds one sub-folder per control type (`modules/ui_control_helpers.py`). */
export function sdnextControl(type: string): LayoutFolder {
  return folder(`control/${type}`, [".safetensors", ".pth", ".bin"], { setting: "control_dir", within: type });
}

/**
 * SwarmUI, under its model root (`Paths.ModelRoot`, default `Models`). The `SD…Folder` settings name the folders of
 * its own loaders; the other folders are the ones it hands its ComfyUI backend (`ComfyUISelfStartBackend.cs`).
 * It lists `.safetensors .sft .gguf` with metadata, and legacy pickles (`src/Text2Image/T2IModel.cs`).
 */
const SWARM_EXTENSIONS = [".safetensors", ".sft", ".gguf", ".ckpt", ".pt", ".pth", ".bin"];

export function swarm(
  path: string,
  setting?: string,
  extra: { baseSpecific?: boolean; warning?: string } = {},
): LayoutFolder {
  return folder(path, SWARM_EXTENSIONS, { ...extra, ...(setting === undefined ? {} : { setting }) });
}

/**
 * Fooocus (SDXL only), under `models/`; each folder is a `path_*` key of `config.txt`. It lists
 * `.pth .ckpt .bin .safetensors .fooocus.patch` (`modules/config.py` `get_model_filenames`).
 */
const FOOOCUS_EXTENSIONS = [".safetensors", ".ckpt", ".pth", ".bin"];

export function fooocus(
  path: string,
  setting: string,
  extra: { baseSpecific?: boolean; warning?: string } = {},
): LayoutFolder {
  return folder(path, FOOOCUS_EXTENSIONS, { ...extra, setting });
}

/**
 * Stability Matrix's shared library: `Models/<SharedFolderType>`, which it symlinks into A1111-family packages and
 * configures into ComfyUI, SwarmUI, Fooocus and InvokeAI, so every UI it manages sees the file.
 */
export function sharedLibrary(type: string, extra: { baseSpecific?: boolean; warning?: string } = {}): LayoutFolder {
  return folder(type, COMFY_EXTENSIONS, extra);
}
