import type { PlainValue, TensorInfo } from "../inspect/types.js";

export const KINDS = [
  "checkpoint",
  "diffusion-model",
  "vae",
  "vae-approx",
  "text-encoder",
  "lora",
  "embedding",
  "hypernetwork",
  "controlnet",
  "t2i-adapter",
  "ip-adapter",
  "clip-vision",
  "upscaler",
  "motion-module",
  "style-model",
  "unknown",
] as const;
export type Kind = (typeof KINDS)[number];

/** LoRA-family algorithm; only set when kind is "lora". */
export const ALGORITHMS = ["lora", "locon", "loha", "lokr", "ia3", "oft", "boft", "glora", "dora", "full"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const BASES = [
  "sd1",
  "sd2",
  "sdxl",
  "sdxl-refiner",
  "sd3",
  "flux",
  "flux2",
  "chroma",
  "pixart",
  "cascade",
  "auraflow",
  "qwen-image",
  "z-image",
  "wan",
  "hidream",
  "ltxv",
  "hunyuan-video",
  "sana",
  "unknown",
] as const;
export type Base = (typeof BASES)[number];

/**
 * How a LoRA file names its modules, which decides which UI applies it (see src/install/will-load.ts):
 * `kohya` (`lora_unet_`, `lora_te_`, `lora_te1_`, …, also LyCORIS), `diffusers` (`unet.`/`text_encoder.`/`transformer.`
 * module paths with `lora.down`/`lora_A`), `diffusers-attn-processor` (attention-processor LoRAs: diffusers' pre-PEFT
 * `….processor.to_k_lora.down`, XLabs' `….processor.qkv_lora1.down`), `peft` (`base_model.model.`), `native` (the
 * model's own module paths, as ComfyUI/BFL/ai-toolkit write them: `diffusion_model.…`, `double_blocks.…`), and
 * `lora-diffusion` (cloneofsimo/lora: `unet:0:up` or a bare list of tensors) which no UI loads without converting.
 */
export const LORA_FORMATS = [
  "kohya",
  "diffusers",
  "diffusers-attn-processor",
  "peft",
  "native",
  "lora-diffusion",
] as const;
export type LoraFormat = (typeof LORA_FORMATS)[number];

export type Confidence = "high" | "medium" | "low";

export interface Classification {
  kind: Kind;
  algorithm: Algorithm | null;
  base: Base;
  /** "inpaint", "instruct-pix2pix", "depth", "v-prediction", … when the file shows it; else null. */
  variant: string | null;
  /**
   * Finer architecture inside a kind where placement or users care: text encoders (`clip-l`, `clip-g`, `t5-xxl`),
   * upscalers (`esrgan`, `realesrgan`, `swinir`, `dat`, `hat`, `scunet`, …), face restorers (`gfpgan`,
   * `codeformer`), ControlNet sub-kinds (`control-lora`, `controlnet-lllite`), CLIP vision (`vit-h`, `siglip`, …).
   */
  architecture: string | null;
  confidence: Confidence;
  /** Only for kind "lora": the module naming, which decides which UI applies the file. */
  loraFormat?: LoraFormat;
  /** The short list of facts that decided it, e.g. "attn2.to_k in-dim 2048 → sdxl". */
  evidence: string[];
}

/** Everything the classifier may look at. No file name: a file's name never decides what it is. */
export interface ClassifyInput {
  tensors: readonly TensorInfo[];
  metadata: Readonly<Record<string, string>> | null;
  values: Readonly<Record<string, PlainValue>>;
}
