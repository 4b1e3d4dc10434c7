/** The words the classifier's rules speak: base models, LoRA algorithms and formats, confidence. */
export { ALGORITHMS, type Algorithm } from "./lora-modules.js";

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

/**
 * One fact behind a classification: the id of the rule or probe that found it (a rule's `id`, or a probe's such as
 * `cross-attention-width`, `input-channels`, `metadata-base`) and the sentence a person reads. Code that decides
 * reads `rule`, never `text`, so rewording a sentence changes no decision.
 */
export interface Evidence {
  readonly rule: string;
  readonly text: string;
}

export function evidence(rule: string, text: string): Evidence {
  return { rule, text };
}
