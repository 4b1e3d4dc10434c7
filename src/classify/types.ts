import type { PlainValue, TensorInfo } from "../inspect/types.js";
import type { Kind } from "./kinds/index.js";
import type { Algorithm, Base, Confidence, Evidence, LoraFormat } from "./vocabulary.js";

export { KINDS, type Kind } from "./kinds/index.js";
export * from "./vocabulary.js";

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
  /**
   * The short list of facts that decided it, each with the id of the rule or probe that found it, e.g.
   * `{ rule: "cross-attention-width", text: "attn2.to_k in-dim 2048 → sdxl" }`.
   */
  evidence: Evidence[];
}

/** Everything the classifier may look at. No file name: a file's name never decides what it is. */
export interface ClassifyInput {
  tensors: readonly TensorInfo[];
  metadata: Readonly<Record<string, string>> | null;
  values: Readonly<Record<string, PlainValue>>;
}
