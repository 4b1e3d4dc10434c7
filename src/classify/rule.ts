import type { FeatureName } from "./features.js";
import type { NormalizedHeader } from "./normalize.js";
import type { Algorithm, Base, Confidence, Kind, LoraFormat } from "./types.js";

/**
 * The decision order. Rules overlap, so the first stage with a matching rule decides the kind:
 *
 *  1. control-lora          `lora_controlnet` — its `.up/.down` pairs would otherwise read as a LoRA
 *  2. motion-module         AnimateDiff / SparseCtrl reuse diffusers UNet block names, so before ControlNet and UNet
 *  3. controlnet            LDM `control_model.`/`zero_convs`, diffusers `controlnet_cond_embedding`, FLUX/SD3 sets
 *  4. t2i-adapter           `conv_in` + `body.N.…`, before the upscalers whose `body.` is similar
 *  5. controlnet-lllite     `lllite_unet_` — LoRA-like module names
 *  6. ip-adapter            `image_proj.` + `ip_adapter.` — FaceID variants carry LoRA pairs
 *  7. style-model           FLUX Redux / T2I style
 *  8. lora                  complete module groups, unless `model.diffusion_model.` keys dominate (a merged
 *                           checkpoint that kept LoRA keys is a checkpoint; InvokeAI sorts Main before LoRA for this)
 *  9. checkpoint            `model.diffusion_model.` (+ TE/VAE → checkpoint, alone → diffusion-model); kohya `unet.`
 * 10. vae                   after checkpoints, which contain a VAE; RestoreFormer/CodeFormer excluded by `quantize.`
 * 11. text-encoder          a full CLIPModel (text + vision) is left for clip-vision
 * 12. clip-vision
 * 13. embedding             few 1-/2-D tensors; late because the guard is loose
 * 14. hypernetwork          integer root keys
 * 15. upscaler              spandrel signatures and face restorers
 * 16. bare-diffusion-model  UNet/DiT markers without a prefix — last, since `conv_in`/`input_blocks` are generic
 *
 * Anything that matches no rule is `unknown`.
 */
export const STAGES = [
  "control-lora",
  "motion-module",
  "controlnet",
  "t2i-adapter",
  "controlnet-lllite",
  "ip-adapter",
  "style-model",
  "lora",
  "checkpoint",
  "vae",
  "text-encoder",
  "clip-vision",
  "embedding",
  "hypernetwork",
  "upscaler",
  "bare-diffusion-model",
] as const;
export type Stage = (typeof STAGES)[number];

/** A condition on one expected dimension of a tensor's shape. */
export interface ShapeTest {
  readonly rank?: number;
  readonly dim?: number;
  readonly oneOf?: readonly number[];
}

/** One condition on the normalised key set. Exact keys and prefixes only; a pattern is confined to a prefix range. */
export type KeyTest =
  | { readonly key: string; readonly shape?: ShapeTest }
  | { readonly prefix: string }
  | { readonly pattern: RegExp; readonly under: string }
  | { readonly feature: FeatureName };

/** What a rule's describer adds once the rule matched. */
export interface Description {
  base?: Base;
  variant?: string | null;
  architecture?: string | null;
  algorithm?: Algorithm | null;
  loraFormat?: LoraFormat;
  /** Lowered when the description rests on partial structure. */
  confidence?: Confidence;
  evidence: string[];
}

export interface Rule {
  /** Unique, short; appears in evidence. */
  readonly id: string;
  readonly kind: Kind;
  readonly stage: Stage;
  /** Every test must hold. */
  readonly all?: readonly KeyTest[];
  /** At least one test must hold. */
  readonly any?: readonly KeyTest[];
  /** No test may hold. */
  readonly none?: readonly KeyTest[];
  /** The key set must be exactly this (FLUX Redux). */
  readonly exactly?: readonly string[];
  readonly architecture?: string;
  /** How sure a match alone is; "high" unless the rule is a loose guard. */
  readonly confidence?: Confidence;
  readonly describe?: (header: NormalizedHeader) => Description;
}
