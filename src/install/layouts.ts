/**
 * Where each kind goes in each WebUI, as data. Sources: A1111 `modules/paths_internal.py`, `modules/cmd_args.py`,
 * `modules/sd_models.py`, `modules/sd_vae.py`, `extensions-builtin/Lora/networks.py`,
 * `modules/{esrgan,dat,hat}_model.py`; Forge `modules_forge/shared.py`, `modules_forge/main_entry.py`; SD.Next
 * `modules/shared.py`; ComfyUI `folder_paths.py` (keys) and the custom-node packs that register `ipadapter`,
 * `animatediff_models` and `facerestore_models`.
 */
import type { Base, Kind } from "../classify/types.js";
import type { UiName } from "./types.js";

export interface LayoutFolder {
  /** Relative to the models folder, or (A1111 `embeddings`, `extensions/…`) to the data dir. */
  path: string;
  under: "models" | "data";
  /**
   * File extensions the UI lists in this folder (A1111 picks its loader by extension). A pickle keeps its extension
   * when listed here, else takes the first pickle extension of the list.
   */
  extensions: readonly string[];
  /** ComfyUI folder key, through which `extra_model_paths.yaml` may redirect the folder. */
  comfyKey?: string;
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

export type UiLayout = Readonly<Record<Exclude<Kind, "unknown">, KindLayout>>;

export const SAFETENSORS_EXTENSIONS: readonly string[] = [".safetensors", ".sft"];
export const PICKLE_EXTENSIONS: readonly string[] = [".ckpt", ".pt", ".pth", ".bin", ".pt2", ".pkl"];

/** The extensions every ComfyUI folder lists (`folder_paths.supported_pt_extensions`). */
const COMFY_EXTENSIONS = [".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".pt2", ".pkl"];

function folder(
  path: string,
  extensions: readonly string[],
  extra: { under?: "models" | "data"; warning?: string; baseSpecific?: boolean; comfyKey?: string } = {},
): LayoutFolder {
  return {
    path,
    under: extra.under ?? "models",
    extensions,
    baseSpecific: extra.baseSpecific ?? true,
    ...(extra.comfyKey === undefined ? {} : { comfyKey: extra.comfyKey }),
    ...(extra.warning === undefined ? {} : { warning: extra.warning }),
  };
}

function comfy(key: string, extra: { warning?: string; baseSpecific?: boolean } = {}): LayoutFolder {
  return folder(key, COMFY_EXTENSIONS, { ...extra, comfyKey: key });
}

const UPSCALER = { baseSpecific: false } as const;
const SAFETENSORS_OR_PICKLE = [".safetensors", ".pt", ".ckpt"];
const ESRGAN_EXTENSIONS = [".safetensors", ".pth", ".pt"];
const COMPACT_WARNING =
  "A1111 loads Real-ESRGAN Compact models only under their release names (realesr-animevideov3.pth, realesr-general-x4v3.pth, …)";
const FACE_RESTORER_WARNING = "A1111 picks face restorers by file name (GFPGANv1.4.pth, codeformer-v0.1.0.pth)";

/** ESRGAN-architecture files (RRDBNet) load through the ESRGAN upscaler, whatever their training recipe. */
function a1111Upscalers(extra: Record<string, LayoutFolder | null>): Record<string, LayoutFolder | null> {
  const esrgan = folder("ESRGAN", ESRGAN_EXTENSIONS, UPSCALER);
  return {
    esrgan,
    realesrgan: esrgan,
    bsrgan: esrgan,
    swinir: folder("SwinIR", [".pth", ".pt"], UPSCALER),
    dat: folder("DAT", ESRGAN_EXTENSIONS, UPSCALER),
    scunet: folder("ScuNET", [".pth"], UPSCALER),
    // modules/realesrgan_model.py: the RealESRGAN upscaler lists models/RealESRGAN (`.pth`) and loads its built-in
    // SRVGGNetCompact/RRDB releases from there by file name.
    compact: folder("RealESRGAN", [".pth"], { ...UPSCALER, warning: COMPACT_WARNING }),
    gfpgan: folder("GFPGAN", [".pth"], { ...UPSCALER, warning: FACE_RESTORER_WARNING }),
    codeformer: folder("Codeformer", [".pth"], { ...UPSCALER, warning: FACE_RESTORER_WARNING }),
    ...extra,
  };
}

const A1111_CHECKPOINTS = [".safetensors", ".ckpt"];
const CONTROLNET_EXTENSIONS = [".safetensors", ".pth", ".pt", ".ckpt", ".bin"];

const A1111_FAMILY_COMMON = {
  vae: { folder: folder("VAE", SAFETENSORS_OR_PICKLE) },
  "vae-approx": {
    folder: folder("VAE-approx", [".pt", ".pth", ".safetensors"], {
      warning: "A1111 loads VAE-approx/TAESD files only under their built-in names (model.pt, vaeapprox-sdxl.pt, taesd_decoder.pth, …)",
    }),
  },
  embedding: { folder: folder("embeddings", [".safetensors", ".pt", ".bin"], { under: "data" }) },
  hypernetwork: { folder: folder("hypernetworks", [".pt"]) },
  controlnet: { folder: folder("ControlNet", CONTROLNET_EXTENSIONS) },
  "t2i-adapter": { folder: folder("ControlNet", CONTROLNET_EXTENSIONS) },
  "ip-adapter": { folder: folder("ControlNet", CONTROLNET_EXTENSIONS) },
  "style-model": { folder: null },
} as const satisfies Partial<UiLayout>;

const A1111: UiLayout = {
  ...A1111_FAMILY_COMMON,
  checkpoint: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS) },
  // A1111 cannot load UNet-only files (will-load.ts says so in the plan); this is where Forge, sharing the folder, does.
  "diffusion-model": { folder: folder("Stable-diffusion", A1111_CHECKPOINTS) },
  "text-encoder": { folder: null },
  lora: {
    folder: folder("Lora", SAFETENSORS_OR_PICKLE),
    // A1111 1.5.0 merged LyCORIS into the built-in Lora extension; models/LyCORIS is still scanned for back-compat.
    lycoris: folder("LyCORIS", SAFETENSORS_OR_PICKLE),
  },
  "clip-vision": {
    folder: folder("extensions/sd-webui-controlnet/annotator/clip_vision", [".safetensors", ".pth", ".bin"], {
      under: "data",
      baseSpecific: false,
      warning: "sd-webui-controlnet looks for CLIP vision files by name (clip_h.pth, clip_g.pth, …)",
    }),
  },
  upscaler: { folder: null, byArchitecture: a1111Upscalers({ hat: folder("HAT", [".pth", ".pt"], UPSCALER) }) },
  "motion-module": {
    folder: folder("extensions/sd-webui-animatediff/model", [".safetensors", ".ckpt", ".pth"], { under: "data" }),
  },
};

const FORGE_CHECKPOINTS = [".safetensors", ".ckpt", ".gguf"];

const FORGE: UiLayout = {
  ...A1111_FAMILY_COMMON,
  checkpoint: { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS) },
  // Forge loads UNet-only files from the checkpoint folder and takes VAE / text encoders from their own folders.
  "diffusion-model": { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS) },
  "text-encoder": {
    folder: folder("text_encoder", [".safetensors", ".ckpt", ".pt", ".bin", ".gguf"], { baseSpecific: false }),
  },
  // sd_forge_lora walks lora_dir only: no LyCORIS routing.
  lora: { folder: folder("Lora", SAFETENSORS_OR_PICKLE) },
  "clip-vision": {
    folder: folder("ControlNetPreprocessor/clip_vision", [".safetensors", ".pth", ".bin"], { baseSpecific: false }),
  },
  upscaler: { folder: null, byArchitecture: a1111Upscalers({ hat: folder("HAT", [".pth", ".pt"], UPSCALER) }) },
  // AnimateDiff for Forge lives in whichever extension the user installed; there is no folder to rely on.
  "motion-module": { folder: null },
};

const SDNEXT_CONTROL = [".safetensors", ".pth", ".bin"];

const SDNEXT: UiLayout = {
  checkpoint: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS) },
  "diffusion-model": { folder: folder("UNET", [".safetensors", ".gguf"]) },
  vae: { folder: folder("VAE", SAFETENSORS_OR_PICKLE) },
  "vae-approx": { folder: folder("VAE-approx", [".pt", ".pth", ".safetensors"]) },
  "text-encoder": { folder: folder("Text-encoder", [".safetensors"], { baseSpecific: false }) },
  lora: { folder: folder("Lora", SAFETENSORS_OR_PICKLE) },
  embedding: { folder: folder("embeddings", [".safetensors", ".pt", ".bin"]) },
  hypernetwork: { folder: folder("hypernetworks", [".pt"]) },
  controlnet: {
    folder: folder("control/controlnet", SDNEXT_CONTROL),
    byArchitecture: {
      "controlnet-lllite": folder("control/lite", SDNEXT_CONTROL),
      "controlnet-xs": folder("control/xs", SDNEXT_CONTROL),
    },
  },
  "t2i-adapter": { folder: folder("control/adapter", SDNEXT_CONTROL) },
  // SD.Next fetches IP-Adapters and CLIP vision encoders into the Hugging Face cache itself.
  "ip-adapter": { folder: null },
  "clip-vision": { folder: null },
  upscaler: {
    folder: null,
    byArchitecture: {
      ...a1111Upscalers({}),
      scunet: folder("SCUNet", [".pth"], UPSCALER),
      dat: null,
    },
  },
  "motion-module": { folder: null },
  "style-model": { folder: null },
};

const COMFYUI: UiLayout = {
  checkpoint: { folder: comfy("checkpoints") },
  "diffusion-model": { folder: comfy("diffusion_models") },
  vae: { folder: comfy("vae") },
  "vae-approx": { folder: comfy("vae_approx") },
  "text-encoder": { folder: comfy("text_encoders", { baseSpecific: false }) },
  lora: { folder: comfy("loras") },
  embedding: { folder: comfy("embeddings") },
  hypernetwork: { folder: comfy("hypernetworks") },
  controlnet: { folder: comfy("controlnet") },
  // folder_paths maps models/t2i_adapter onto the controlnet key; its first folder is models/controlnet.
  "t2i-adapter": { folder: comfy("controlnet") },
  "ip-adapter": { folder: comfy("ipadapter", { warning: "ComfyUI loads IP-Adapters through the ComfyUI_IPAdapter_plus custom node" }) },
  "clip-vision": { folder: comfy("clip_vision", { baseSpecific: false }) },
  upscaler: {
    folder: comfy("upscale_models", { baseSpecific: false }),
    byArchitecture: {
      gfpgan: comfy("facerestore_models", { baseSpecific: false, warning: "face restorers need a custom node (facerestore_cf)" }),
      codeformer: comfy("facerestore_models", { baseSpecific: false, warning: "face restorers need a custom node (facerestore_cf)" }),
    },
  },
  "motion-module": { folder: comfy("animatediff_models", { warning: "motion modules need the AnimateDiff-Evolved custom node" }) },
  "style-model": { folder: comfy("style_models") },
};

export const LAYOUTS: Readonly<Record<UiName, UiLayout>> = { a1111: A1111, forge: FORGE, sdnext: SDNEXT, comfyui: COMFYUI };

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
