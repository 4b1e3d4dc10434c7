/**
 * Where each kind goes in each WebUI. The per-kind folders are declared with each kind
 * (src/classify/kinds/<kind>.ts, built from src/model/ui-folders.ts) and collected by the kind registry; this file
 * adds what belongs to a UI rather than to a kind: its models folder, its diffusers folder, the `--by-base` names.
 */

import { KIND_FOLDERS } from "../classify/kinds/index.js";
import type { Base, Kind } from "../classify/types.js";
import { comfy, folder, type KindLayout, type LayoutFolder, type UiName } from "../model/ui-folders.js";

export {
  type KindLayout,
  type LayoutFolder,
  PICKLE_EXTENSIONS,
  SAFETENSORS_EXTENSIONS,
} from "../model/ui-folders.js";

export type UiLayout = Readonly<Record<Exclude<Kind, "unknown">, KindLayout>>;

/** The models folder's name under the UI's data folder, where no setting moves it. */
export const MODELS_FOLDER: Readonly<Record<UiName, string>> = {
  a1111: "models",
  forge: "models",
  sdnext: "models",
  comfyui: "models",
  swarmui: "Models",
  fooocus: "models",
  stabilitymatrix: "Models",
};

/** Per UI, where each kind goes: derived from the kind declarations. */
export const LAYOUTS: Readonly<Record<UiName, UiLayout>> = KIND_FOLDERS;

/**
 * Where each UI loads diffusers pipeline folders (`model_index.json` + components), kept whole under their own name:
 * SD.Next `diffusers_dir`, ComfyUI's `diffusers` key (DiffusersLoader). The others load single files only.
 */
export const DIFFUSERS_FOLDERS: Readonly<Record<UiName, LayoutFolder | null>> = {
  a1111: null,
  forge: null,
  sdnext: folder("Diffusers", []),
  comfyui: comfy("diffusers", { extensions: [] }),
  swarmui: null,
  fooocus: null,
  stabilitymatrix: null,
};

/**
 * `--by-base` sub-folder names. ComfyUI-Manager's curated model list spells the common ones `SD1.5`, `SDXL`, `FLUX1`;
 * the same names serve every UI so a library shared through `extra_model_paths.yaml` stays one tree. A base the
 * classifier could not tell goes to `Unknown` rather than the kind's root, so the root holds only unsorted files.
 */
export const BASE_FOLDERS: Readonly<Record<Base, string>> = {
  sd1: "SD1.5",
  sd2: "SD2",
  sdxl: "SDXL",
  "sdxl-refiner": "SDXL-Refiner",
  sd3: "SD3",
  flux: "FLUX1",
  flux2: "FLUX2",
  chroma: "Chroma",
  pixart: "PixArt",
  cascade: "Cascade",
  auraflow: "AuraFlow",
  "qwen-image": "Qwen-Image",
  "z-image": "Z-Image",
  wan: "Wan",
  hidream: "HiDream",
  ltxv: "LTX-Video",
  "hunyuan-video": "HunyuanVideo",
  sana: "Sana",
  unknown: "Unknown",
};
