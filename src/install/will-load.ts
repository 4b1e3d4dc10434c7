/**
 * What each WebUI will not load, as data: a file can land in the right folder and still be ignored or fail there.
 * The rules are about the UI's loaders, not its folders (those are in layouts.ts). Each row names the public source
 * file it was read from. A file no row matches is loaded.
 */
import type { Algorithm, Base, Classification, Kind, LoraFormat } from "../classify/types.js";
import type { FileFormat } from "../inspect/types.js";
import { UI_NAMES, type UiName } from "../model/ui-folders.js";

/** Why a UI will not load a file. */
export type NotLoadedCode =
  /** The UI has no model class for this base (A1111 and FLUX, Forge and Wan, …). */
  | "base-not-supported"
  /** The UI has no loader for this kind of file (A1111 and UNet/DiT-only files). */
  | "kind-not-supported"
  /** The UI's LoRA loader skips these module names: the LoRA silently does nothing. */
  | "lora-format-ignored"
  /** No UI applies this format; it has to be converted first. */
  | "needs-conversion"
  /** The UI does not list or read this container for this kind. */
  | "file-format-not-supported";

export interface WillLoadRule {
  ui: UiName;
  kinds: readonly Kind[];
  /** Each condition, when present, must hold; absent means "any". */
  bases?: readonly Base[];
  architectures?: readonly string[];
  algorithms?: readonly Algorithm[];
  loraFormats?: readonly LoraFormat[];
  formats?: readonly FileFormat[];
  /** false: the UI will not load it (with `code`); true: it loads, but only from `since`. */
  loads: boolean;
  code?: NotLoadedCode;
  /** The UI release from which the row's answer is "yes", when that changed. */
  since?: string;
  /** `owner/repo:path` of the public source that shows it. */
  source: string;
}

export interface LoadJudgement {
  ui: UiName;
  loads: boolean;
  /** Set when `loads` is false. */
  code: NotLoadedCode | null;
  /** UI release from which it loads, when a row says so. */
  since: string | null;
  /** The source of the row that decided; null when no row matched (the UI's loader takes it). */
  source: string | null;
}

const A1111 = "AUTOMATIC1111/stable-diffusion-webui";
const FORGE = "lllyasviel/stable-diffusion-webui-forge";
const SDNEXT = "vladmandic/sdnext";
const COMFYUI = "comfyanonymous/ComfyUI";

/** Kinds that only work with a model of their base loaded. */
const BASE_BOUND: readonly Kind[] = ["checkpoint", "diffusion-model", "lora", "vae"];

/** DiT families newer than each UI's model classes. */
const VIDEO_AND_2025_FAMILIES: readonly Base[] = [
  "qwen-image",
  "z-image",
  "wan",
  "hidream",
  "ltxv",
  "hunyuan-video",
  "sana",
];
const NOT_IN_A1111: readonly Base[] = [
  "flux",
  "flux2",
  "chroma",
  "pixart",
  "cascade",
  "auraflow",
  ...VIDEO_AND_2025_FAMILIES,
];
const NOT_IN_FORGE: readonly Base[] = ["flux2", "pixart", "cascade", "auraflow", ...VIDEO_AND_2025_FAMILIES];

/** LoRA module names A1111 cannot map onto its layers (it converts only kohya `lora_unet_`/`lora_te_` names). */
const NOT_KOHYA: readonly LoraFormat[] = ["diffusers", "diffusers-attn-processor", "peft", "native"];
const PICKLES: readonly FileFormat[] = ["torch-zip", "torch-legacy", "pickle"];

export const WILL_LOAD_RULES: readonly WillLoadRule[] = [
  // cloneofsimo/lora files hold unnamed up/down pairs: every UI's LoRA loader matches tensors by module name.
  ...UI_NAMES.map(
    (ui): WillLoadRule => ({
      ui,
      kinds: ["lora"],
      loraFormats: ["lora-diffusion"],
      loads: false,
      code: "needs-conversion",
      source: {
        a1111: `${A1111}:extensions-builtin/Lora/networks.py`,
        forge: `${FORGE}:backend/patcher/lora.py`,
        sdnext: `${SDNEXT}:modules/lora/lora_load.py`,
        comfyui: `${COMFYUI}:comfy/lora.py`,
        // SwarmUI loads LoRAs through its ComfyUI backend; Fooocus through its vendored copy of ComfyUI's loader;
        // Stability Matrix's library feeds these same loaders.
        swarmui: `${COMFYUI}:comfy/lora.py`,
        fooocus: "lllyasviel/Fooocus:ldm_patched/modules/lora.py",
        stabilitymatrix: `${COMFYUI}:comfy/lora.py`,
      }[ui],
    }),
  ),

  // AUTOMATIC1111
  {
    ui: "a1111",
    kinds: ["lora"],
    loraFormats: NOT_KOHYA,
    loads: false,
    code: "lora-format-ignored",
    source: `${A1111}:extensions-builtin/Lora/networks.py`,
  },
  {
    ui: "a1111",
    kinds: ["diffusion-model"],
    loads: false,
    code: "kind-not-supported",
    source: `${A1111}:modules/sd_models.py`,
  },
  {
    // 1.10.0 added SD3 Medium (modules/models/sd3/); SD3.5's larger, qk-normalised MMDiT came later, not in 1.10.
    ui: "a1111",
    kinds: ["checkpoint", "lora"],
    bases: ["sd3"],
    architectures: ["sd3.5-large", "sd3.5-medium"],
    loads: false,
    code: "base-not-supported",
    source: `${A1111}:modules/models/sd3/mmdit.py`,
  },
  {
    ui: "a1111",
    kinds: ["checkpoint"],
    bases: ["sd3"],
    loads: true,
    since: "1.10.0",
    source: `${A1111}:modules/sd_models_config.py`,
  },
  {
    ui: "a1111",
    kinds: BASE_BOUND,
    bases: NOT_IN_A1111,
    loads: false,
    code: "base-not-supported",
    source: `${A1111}:modules/sd_models_config.py`,
  },
  // The built-in Lora extension took over LyCORIS's algorithms release by release (A1111 CHANGELOG.md): older
  // installs skip these modules. After the "no" rows, so that a FLUX DoRA is still "no model class".
  ...(
    [
      [["loha", "lokr", "ia3", "full", "locon"], "1.5.0", "network_hada.py"],
      [["glora", "oft"], "1.7.0", "network_glora.py"],
      [["boft"], "1.8.0", "network_oft.py"],
      [["dora"], "1.9.0", "network.py"],
    ] as const
  ).map(
    ([algorithms, since, file]): WillLoadRule => ({
      ui: "a1111",
      kinds: ["lora"],
      algorithms,
      loads: true,
      since,
      source: `${A1111}:extensions-builtin/Lora/${file}`,
    }),
  ),

  // Fooocus builds SDXL pipelines only (its readme; modules/core.py keeps an SD1.5 path for previews and refiners).
  {
    ui: "fooocus",
    kinds: BASE_BOUND,
    bases: ["sd2", "sd3", ...NOT_IN_A1111],
    loads: false,
    code: "base-not-supported",
    source: "lllyasviel/Fooocus:modules/core.py",
  },
  // Forge: backend/loader.py `possible_models` = SD1.5, SD2, SDXL (+refiner), SD3/3.5, Chroma, FLUX.1.
  {
    ui: "forge",
    kinds: BASE_BOUND,
    bases: NOT_IN_FORGE,
    loads: false,
    code: "base-not-supported",
    source: `${FORGE}:backend/loader.py`,
  },

  // SD.Next lists checkpoints with ext_filter [".safetensors"] only.
  {
    ui: "sdnext",
    kinds: ["checkpoint"],
    formats: PICKLES,
    loads: false,
    code: "file-format-not-supported",
    source: `${SDNEXT}:modules/sd_checkpoint.py`,
  },

  // ComfyUI's VAE-approx loader takes TAESD files (taesd_decoder …); A1111's own 8-conv approximation is not one.
  {
    ui: "comfyui",
    kinds: ["vae-approx"],
    architectures: ["a1111-vae-approx"],
    loads: false,
    code: "kind-not-supported",
    source: `${COMFYUI}:comfy/taesd/taesd.py`,
  },
];

function matches(rule: WillLoadRule, c: Classification, format: FileFormat): boolean {
  if (!rule.kinds.includes(c.kind)) return false;
  if (rule.bases && !rule.bases.includes(c.base)) return false;
  if (rule.architectures && (c.architecture === null || !rule.architectures.includes(c.architecture))) return false;
  if (rule.algorithms && (c.algorithm === null || !rule.algorithms.includes(c.algorithm))) return false;
  if (rule.loraFormats && (c.loraFormat === undefined || !rule.loraFormats.includes(c.loraFormat))) return false;
  if (rule.formats && !rule.formats.includes(format)) return false;
  return true;
}

/** Whether `ui` loads a file of this classification and container: the first matching row decides. */
export function judgeLoad(c: Classification, format: FileFormat, ui: UiName): LoadJudgement {
  const rule = WILL_LOAD_RULES.find((r) => r.ui === ui && matches(r, c, format));
  if (rule === undefined) return { ui, loads: true, code: null, since: null, source: null };
  return {
    ui,
    loads: rule.loads,
    code: rule.loads ? null : (rule.code ?? null),
    since: rule.since ?? null,
    source: rule.source,
  };
}

/**
 * The UIs `inspect` judges, in {@link UI_NAMES} order. Stability Matrix's shared library is no loader of its own:
 * what loads from it is decided by the package reading it, which is one of the others.
 */
const LOADING_UIS = UI_NAMES.filter((ui) => ui !== "stabilitymatrix");

/** The judgement for every UI that loads models itself: what `inspect` shows. */
export function judgeLoadEverywhere(c: Classification, format: FileFormat): LoadJudgement[] {
  return LOADING_UIS.map((ui) => judgeLoad(c, format, ui));
}
