/**
 * Where each kind goes in each WebUI, as data. Sources: A1111 `modules/paths_internal.py`, `modules/cmd_args.py`,
 * `modules/sd_models.py`, `modules/sd_vae.py`, `extensions-builtin/Lora/networks.py`,
 * `modules/{esrgan,dat,hat}_model.py`; Forge `modules_forge/shared.py`, `modules_forge/main_entry.py`; SD.Next
 * `modules/shared.py`, `modules/ui_definitions.py`; ComfyUI `folder_paths.py` (keys) and the custom-node packs that
 * register `ipadapter`, `animatediff_models` and `facerestore_models`; SwarmUI `src/Core/Settings.cs` and the folder
 * list it hands its ComfyUI backend; Fooocus `modules/config.py`; Stability Matrix `Models/SharedFolderType.cs`.
 *
 * Each folder names the setting that can move it (`setting.key`): the A1111 flag's argparse name (`lora_dir` for
 * `--lora-dir`), the SD.Next / Fooocus / SwarmUI option, or the ComfyUI folder key.
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
  /**
   * The UI setting that moves this folder, and where the folder lies inside the folder it names (`within`, e.g.
   * SD.Next's `control_dir` holds `controlnet/`). See {@link WebuiTarget.folders}.
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

export type UiLayout = Readonly<Record<Exclude<Kind, "unknown">, KindLayout>>;

export const SAFETENSORS_EXTENSIONS: readonly string[] = [".safetensors", ".sft"];
export const PICKLE_EXTENSIONS: readonly string[] = [".ckpt", ".pt", ".pth", ".bin", ".pt2", ".pkl"];

/** The extensions every ComfyUI folder lists (`folder_paths.supported_pt_extensions`). */
const COMFY_EXTENSIONS = [".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".pt2", ".pkl"];

function folder(
  path: string,
  extensions: readonly string[],
  extra: {
    under?: "models" | "data";
    warning?: string;
    baseSpecific?: boolean;
    setting?: string;
    within?: string;
  } = {},
): LayoutFolder {
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

function comfy(
  key: string,
  extra: { warning?: string; baseSpecific?: boolean; extensions?: readonly string[] } = {},
): LayoutFolder {
  const { extensions, ...rest } = extra;
  return folder(key, extensions ?? COMFY_EXTENSIONS, { ...rest, setting: key });
}

/** ComfyUI-GGUF registers `.gguf` for the diffusion-model (`unet`) and text-encoder (`clip`) keys only. */
const COMFY_WITH_GGUF = [...COMFY_EXTENSIONS, ".gguf"];

const UPSCALER = { baseSpecific: false } as const;
const SAFETENSORS_OR_PICKLE = [".safetensors", ".pt", ".ckpt"];
const ESRGAN_EXTENSIONS = [".safetensors", ".pth", ".pt"];
const COMPACT_WARNING =
  "A1111 loads Real-ESRGAN Compact models only under their release names " +
  "(realesr-animevideov3.pth, realesr-general-x4v3.pth, …)";
const FACE_RESTORER_WARNING = "A1111 picks face restorers by file name (GFPGANv1.4.pth, codeformer-v0.1.0.pth)";

/**
 * An A1111-family upscaler folder. Each upscaler class reads `<name>_models_path` (A1111 `modules/upscaler.py`: the
 * `--esrgan-models-path` flag; SD.Next: the `esrgan_models_path` option), so that is the folder's setting.
 */
function upscaler(path: string, extensions: readonly string[], warning?: string): LayoutFolder {
  return folder(path, extensions, {
    ...UPSCALER,
    setting: `${path.toLowerCase()}_models_path`,
    ...(warning === undefined ? {} : { warning }),
  });
}

/** ESRGAN-architecture files (RRDBNet) load through the ESRGAN upscaler, whatever their training recipe. */
function a1111Upscalers(extra: Record<string, LayoutFolder | null>): Record<string, LayoutFolder | null> {
  const esrgan = upscaler("ESRGAN", ESRGAN_EXTENSIONS);
  return {
    esrgan,
    realesrgan: esrgan,
    bsrgan: esrgan,
    swinir: upscaler("SwinIR", [".pth", ".pt"]),
    dat: upscaler("DAT", ESRGAN_EXTENSIONS),
    scunet: upscaler("ScuNET", [".pth"]),
    // modules/realesrgan_model.py: the RealESRGAN upscaler lists models/RealESRGAN (`.pth`) and loads its built-in
    // SRVGGNetCompact/RRDB releases from there by file name.
    compact: upscaler("RealESRGAN", [".pth"], COMPACT_WARNING),
    gfpgan: upscaler("GFPGAN", [".pth"], FACE_RESTORER_WARNING),
    codeformer: upscaler("Codeformer", [".pth"], FACE_RESTORER_WARNING),
    ...extra,
  };
}

const A1111_CHECKPOINTS = [".safetensors", ".ckpt"];
const CONTROLNET_EXTENSIONS = [".safetensors", ".pth", ".pt", ".ckpt", ".bin"];

const A1111_FAMILY_COMMON = {
  vae: { folder: folder("VAE", SAFETENSORS_OR_PICKLE, { setting: "vae_dir" }) },
  "vae-approx": {
    folder: folder("VAE-approx", [".pt", ".pth", ".safetensors"], {
      warning:
        "A1111 loads VAE-approx/TAESD files only under their built-in names " +
        "(model.pt, vaeapprox-sdxl.pt, taesd_decoder.pth, …)",
    }),
  },
  embedding: {
    folder: folder("embeddings", [".safetensors", ".pt", ".bin"], { under: "data", setting: "embeddings_dir" }),
  },
  hypernetwork: { folder: folder("hypernetworks", [".pt"], { setting: "hypernetwork_dir" }) },
  controlnet: { folder: folder("ControlNet", CONTROLNET_EXTENSIONS, { setting: "controlnet_dir" }) },
  "t2i-adapter": { folder: folder("ControlNet", CONTROLNET_EXTENSIONS, { setting: "controlnet_dir" }) },
  "ip-adapter": { folder: folder("ControlNet", CONTROLNET_EXTENSIONS, { setting: "controlnet_dir" }) },
  "style-model": { folder: null },
} as const satisfies Partial<UiLayout>;

const A1111: UiLayout = {
  ...A1111_FAMILY_COMMON,
  checkpoint: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
  // A1111 cannot load UNet-only files (will-load.ts says so in the plan); Forge, sharing the folder, loads them here.
  "diffusion-model": { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
  "text-encoder": { folder: null },
  lora: {
    folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }),
    // A1111 1.5.0 merged LyCORIS into the built-in Lora extension; models/LyCORIS is still scanned for back-compat.
    lycoris: folder("LyCORIS", SAFETENSORS_OR_PICKLE, { setting: "lyco_dir_backcompat" }),
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
  checkpoint: { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS, { setting: "ckpt_dir" }) },
  // Forge loads UNet-only files from the checkpoint folder and takes VAE / text encoders from their own folders.
  "diffusion-model": { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS, { setting: "ckpt_dir" }) },
  "text-encoder": {
    folder: folder("text_encoder", [".safetensors", ".ckpt", ".pt", ".bin", ".gguf"], {
      baseSpecific: false,
      setting: "text_encoder_dir",
    }),
  },
  // sd_forge_lora walks lora_dir only: no LyCORIS routing.
  lora: { folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }) },
  "clip-vision": {
    folder: folder("ControlNetPreprocessor/clip_vision", [".safetensors", ".pth", ".bin"], {
      baseSpecific: false,
      setting: "controlnet_preprocessor_models_dir",
      within: "clip_vision",
    }),
  },
  upscaler: { folder: null, byArchitecture: a1111Upscalers({ hat: folder("HAT", [".pth", ".pt"], UPSCALER) }) },
  // AnimateDiff for Forge lives in whichever extension the user installed; there is no folder to rely on.
  "motion-module": { folder: null },
};

const SDNEXT_CONTROL = [".safetensors", ".pth", ".bin"];

/** SD.Next's `control_dir` holds one sub-folder per control type (`modules/ui_control_helpers.py`). */
function sdnextControl(type: string): LayoutFolder {
  return folder(`control/${type}`, SDNEXT_CONTROL, { setting: "control_dir", within: type });
}

const SDNEXT: UiLayout = {
  checkpoint: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
  "diffusion-model": { folder: folder("UNET", [".safetensors", ".gguf"], { setting: "unet_dir" }) },
  vae: { folder: folder("VAE", SAFETENSORS_OR_PICKLE, { setting: "vae_dir" }) },
  "vae-approx": { folder: folder("VAE-approx", [".pt", ".pth", ".safetensors"]) },
  "text-encoder": { folder: folder("Text-encoder", [".safetensors"], { baseSpecific: false, setting: "te_dir" }) },
  lora: { folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }) },
  embedding: { folder: folder("embeddings", [".safetensors", ".pt", ".bin"], { setting: "embeddings_dir" }) },
  hypernetwork: { folder: folder("hypernetworks", [".pt"]) },
  controlnet: {
    folder: sdnextControl("controlnet"),
    byArchitecture: {
      "controlnet-lllite": sdnextControl("lite"),
      "controlnet-xs": sdnextControl("xs"),
    },
  },
  "t2i-adapter": { folder: sdnextControl("adapter") },
  // SD.Next fetches IP-Adapters and CLIP vision encoders into the Hugging Face cache itself.
  "ip-adapter": { folder: null },
  "clip-vision": { folder: null },
  upscaler: {
    folder: null,
    byArchitecture: {
      ...a1111Upscalers({}),
      scunet: upscaler("SCUNet", [".pth"]),
      dat: null,
    },
  },
  "motion-module": { folder: null },
  "style-model": { folder: null },
};

const COMFYUI: UiLayout = {
  checkpoint: { folder: comfy("checkpoints") },
  "diffusion-model": { folder: comfy("diffusion_models", { extensions: COMFY_WITH_GGUF }) },
  vae: { folder: comfy("vae") },
  "vae-approx": { folder: comfy("vae_approx") },
  "text-encoder": { folder: comfy("text_encoders", { baseSpecific: false, extensions: COMFY_WITH_GGUF }) },
  lora: { folder: comfy("loras") },
  embedding: { folder: comfy("embeddings") },
  hypernetwork: { folder: comfy("hypernetworks") },
  controlnet: { folder: comfy("controlnet") },
  // folder_paths maps models/t2i_adapter onto the controlnet key; its first folder is models/controlnet.
  "t2i-adapter": { folder: comfy("controlnet") },
  "ip-adapter": {
    folder: comfy("ipadapter", { warning: "ComfyUI loads IP-Adapters through the ComfyUI_IPAdapter_plus custom node" }),
  },
  "clip-vision": { folder: comfy("clip_vision", { baseSpecific: false }) },
  upscaler: {
    folder: comfy("upscale_models", { baseSpecific: false }),
    byArchitecture: {
      gfpgan: comfy("facerestore_models", {
        baseSpecific: false,
        warning: "face restorers need a custom node (facerestore_cf)",
      }),
      codeformer: comfy("facerestore_models", {
        baseSpecific: false,
        warning: "face restorers need a custom node (facerestore_cf)",
      }),
    },
  },
  "motion-module": {
    folder: comfy("animatediff_models", { warning: "motion modules need the AnimateDiff-Evolved custom node" }),
  },
  "style-model": { folder: comfy("style_models") },
};

/**
 * SwarmUI, under its model root (`Paths.ModelRoot`, default `Models`). The `SD…Folder` settings name the folders of
 * its own loaders; the other folders are the ones it hands its ComfyUI backend (`ComfyUISelfStartBackend.cs`).
 * It lists `.safetensors .sft .gguf` with metadata, and legacy pickles (`src/Text2Image/T2IModel.cs`).
 */
const SWARM_EXTENSIONS = [".safetensors", ".sft", ".gguf", ".ckpt", ".pt", ".pth", ".bin"];

function swarm(path: string, setting?: string, extra: { baseSpecific?: boolean; warning?: string } = {}): LayoutFolder {
  return folder(path, SWARM_EXTENSIONS, { ...extra, ...(setting === undefined ? {} : { setting }) });
}

const SWARMUI: UiLayout = {
  checkpoint: { folder: swarm("Stable-Diffusion", "SDModelFolder") },
  "diffusion-model": { folder: swarm("diffusion_models") },
  vae: { folder: swarm("VAE", "SDVAEFolder") },
  "vae-approx": { folder: null },
  "text-encoder": { folder: swarm("text_encoders", "SDClipFolder", { baseSpecific: false }) },
  lora: { folder: swarm("Lora", "SDLoraFolder") },
  embedding: { folder: swarm("Embeddings", "SDEmbeddingFolder") },
  hypernetwork: { folder: swarm("hypernetworks") },
  controlnet: { folder: swarm("controlnet", "SDControlNetsFolder") },
  "t2i-adapter": { folder: swarm("controlnet", "SDControlNetsFolder") },
  "ip-adapter": { folder: swarm("ipadapter") },
  "clip-vision": { folder: swarm("clip_vision", "SDClipVisionFolder", { baseSpecific: false }) },
  upscaler: { folder: swarm("upscale_models", undefined, { baseSpecific: false }) },
  "motion-module": { folder: null },
  "style-model": { folder: swarm("style_models") },
};

/**
 * Fooocus (SDXL only), under `models/`; each folder is a `path_*` key of `config.txt`. It lists
 * `.pth .ckpt .bin .safetensors .fooocus.patch` (`modules/config.py` `get_model_filenames`).
 */
const FOOOCUS_EXTENSIONS = [".safetensors", ".ckpt", ".pth", ".bin"];

function fooocus(
  path: string,
  setting: string,
  extra: { baseSpecific?: boolean; warning?: string } = {},
): LayoutFolder {
  return folder(path, FOOOCUS_EXTENSIONS, { ...extra, setting });
}

const FOOOCUS: UiLayout = {
  checkpoint: { folder: fooocus("checkpoints", "path_checkpoints") },
  "diffusion-model": { folder: null },
  vae: { folder: fooocus("vae", "path_vae") },
  "vae-approx": {
    folder: fooocus("vae_approx", "path_vae_approx", {
      warning: "Fooocus loads VAE-approx files only under its own names (xlvaeapp.pth, vaeapp_sd15.pth)",
    }),
  },
  "text-encoder": { folder: null },
  lora: { folder: fooocus("loras", "path_loras") },
  embedding: { folder: fooocus("embeddings", "path_embeddings") },
  hypernetwork: { folder: null },
  controlnet: {
    folder: fooocus("controlnet", "path_controlnet", {
      warning: "Fooocus loads only its own ControlNet files, by name",
    }),
  },
  "t2i-adapter": { folder: null },
  "ip-adapter": {
    folder: fooocus("controlnet", "path_controlnet", {
      warning: "Fooocus loads only its own IP-Adapter files, by name",
    }),
  },
  "clip-vision": { folder: fooocus("clip_vision", "path_clip_vision", { baseSpecific: false }) },
  upscaler: { folder: fooocus("upscale_models", "path_upscale_models", { baseSpecific: false }) },
  "motion-module": { folder: null },
  "style-model": { folder: null },
};

/**
 * Stability Matrix's shared library: `Models/<SharedFolderType>`, which it symlinks into A1111-family packages and
 * configures into ComfyUI, SwarmUI, Fooocus and InvokeAI, so every UI it manages sees the file. Upscalers other
 * than SwinIR, ScuNET and the face restorers go to `ESRGAN`, which it maps into every UI's general upscaler folder.
 */
function shared(type: string, extra: { baseSpecific?: boolean; warning?: string } = {}): LayoutFolder {
  return folder(type, COMFY_EXTENSIONS, extra);
}

const STABILITY_MATRIX: UiLayout = {
  checkpoint: { folder: shared("StableDiffusion") },
  "diffusion-model": { folder: shared("DiffusionModels") },
  vae: { folder: shared("VAE") },
  "vae-approx": { folder: shared("ApproxVAE") },
  "text-encoder": { folder: shared("TextEncoders", { baseSpecific: false }) },
  lora: { folder: shared("Lora"), lycoris: shared("LyCORIS") },
  embedding: { folder: shared("Embeddings") },
  hypernetwork: { folder: shared("Hypernetwork") },
  controlnet: { folder: shared("ControlNet") },
  "t2i-adapter": { folder: shared("T2IAdapter") },
  "ip-adapter": { folder: shared("IpAdapter") },
  "clip-vision": { folder: shared("ClipVision", { baseSpecific: false }) },
  upscaler: {
    folder: shared("ESRGAN", UPSCALER),
    byArchitecture: {
      swinir: shared("SwinIR", UPSCALER),
      scunet: shared("ScuNET", UPSCALER),
      gfpgan: shared("GFPGAN", UPSCALER),
      codeformer: shared("Codeformer", UPSCALER),
    },
  },
  "motion-module": { folder: null },
  "style-model": { folder: shared("StyleModels") },
};

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

export const LAYOUTS: Readonly<Record<UiName, UiLayout>> = {
  a1111: A1111,
  forge: FORGE,
  sdnext: SDNEXT,
  comfyui: COMFYUI,
  swarmui: SWARMUI,
  fooocus: FOOOCUS,
  stabilitymatrix: STABILITY_MATRIX,
};

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
