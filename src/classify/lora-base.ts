import { CROSS_ATTENTION_BASE } from "./base.js";
import type { LoraModule } from "./lora-modules.js";
import type { Base } from "./types.js";

export interface LoraBase {
  base: Base;
  evidence: string[];
  /** Which kind of signal decided it: shapes of decisive modules, or structure only. */
  strength: "width" | "structure" | "none";
}

/** UNet cross-attention key/value projections in every naming: kohya `_attn2_to_k`, diffusers `.attn2.to_k`, `.attn2.processor.to_k`. */
const CROSS_ATTENTION_MODULE = /attn2[._](?:processor[._])?to_[kv]$/;

/**
 * SDXL places 2–10 transformer blocks per attention; SD1/SD2 only block 0 (InvokeAI configs/lora.py fallback).
 * The block part must be a UNet attention, in kohya (`_`) or diffusers (`.`) spelling.
 */
const DEEP_TRANSFORMER_BLOCK =
  /(?:input_blocks|output_blocks)[._]\d+[._]\d+[._]transformer_blocks[._]([2-9]|\d\d)[._]|(?:middle_block[._]\d+|(?:down|up)_blocks[._]\d+[._]attentions[._]\d+|mid_block[._]attentions[._]\d+)[._]transformer_blocks[._]([2-9]|\d\d)[._]/;

/** Text-encoder module prefixes → which encoder (kohya lora.py / lora_sd3.py / lora_flux.py, diffusers). */
const TEXT_ENCODER_PREFIXES: readonly [string, "te" | "te1" | "te2" | "te3"][] = [
  ["lora_te1_", "te1"],
  ["lora_te2_", "te2"],
  ["lora_te3_", "te3"],
  ["lora_te_", "te"],
  ["text_encoder_2.", "te2"],
  ["text_encoder.", "te1"],
];

/** Attention/MLP input projections of a CLIP text encoder: in-width = hidden width. */
const TEXT_ENCODER_INPUT = /(?:self_attn[._][qkv]_proj|mlp[._]fc1)$/;

const CLIP_WIDTH_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [768, "sd1"],
  [1024, "sd2"],
]);

/** FLUX block names in BFL (`double_blocks`), kohya (`double_blocks_0`) and diffusers/OneTrainer spelling. */
const FLUX_MODULE = /(?:^|[._])(?:double_blocks|single_blocks|single_transformer_blocks)[._]\d+/;
const SD3_MODULE = /(?:^|[._])joint_blocks[._]\d+/;
const AURAFLOW_MODULE = /(?:^|[._])joint_transformer_blocks[._]\d+/;
const MMDIT_MODULE = /(?:^|[._])transformer_blocks[._]\d+[._]attn[._]add_[qkv]_proj$/;
/** FLUX hidden width = in-width of the image attention / first single-block projection. */
const FLUX_HIDDEN_INPUT = /(?:img_attn[._](?:qkv|proj)|single_blocks[._]\d+[._]linear1|attn[._]to_q)$/;
/** FLUX.1 hidden width; FLUX.2 dev 6144, Klein 9B 4096 (InvokeAI _is_flux2_lora_state_dict). */
const FLUX1_HIDDEN = 3072;
const FLUX2_HIDDEN = new Set([4096, 6144]);

function firstWidth(modules: readonly LoraModule[], test: RegExp): [LoraModule, number] | undefined {
  for (const m of modules) if (m.inputWidth !== undefined && test.test(m.name)) return [m, m.inputWidth];
  return undefined;
}

function textEncoderOf(name: string): "te" | "te1" | "te2" | "te3" | null {
  return TEXT_ENCODER_PREFIXES.find(([p]) => name.startsWith(p))?.[1] ?? null;
}

function shortName(name: string): string {
  return name.length > 60 ? `…${name.slice(-57)}` : name;
}

/** Base from the adapted modules: input widths and block structure only (§4.4), never `time_emb_proj`. */
export function loraBase(modules: readonly LoraModule[]): LoraBase {
  const unet = modules.filter((m) => textEncoderOf(m.name) === null);
  const te = modules.filter((m) => textEncoderOf(m.name) !== null);

  // DiT families first: their blocks never look like UNet attentions.
  const flux = unet.find((m) => FLUX_MODULE.test(m.name));
  if (flux !== undefined) {
    const hidden = firstWidth(unet, FLUX_HIDDEN_INPUT);
    if (hidden !== undefined && FLUX2_HIDDEN.has(hidden[1])) {
      return { base: "flux2", strength: "width", evidence: [`${shortName(hidden[0].name)} in-dim ${hidden[1]} → flux2`] };
    }
    const evidence = [`${shortName(flux.name)} → flux`];
    if (hidden !== undefined) evidence.push(`hidden in-dim ${hidden[1]}${hidden[1] === FLUX1_HIDDEN ? " agrees" : ""}`);
    return { base: "flux", strength: hidden?.[1] === FLUX1_HIDDEN ? "width" : "structure", evidence };
  }
  const sd3 = unet.find((m) => SD3_MODULE.test(m.name));
  if (sd3 !== undefined) return { base: "sd3", strength: "structure", evidence: [`${shortName(sd3.name)} → sd3`] };
  const aura = unet.find((m) => AURAFLOW_MODULE.test(m.name));
  if (aura !== undefined) return { base: "auraflow", strength: "structure", evidence: [`${shortName(aura.name)} → auraflow`] };
  const mmdit = unet.find((m) => MMDIT_MODULE.test(m.name));
  if (mmdit !== undefined) {
    return { base: "sd3", strength: "structure", evidence: [`${shortName(mmdit.name)} without single blocks → sd3`] };
  }

  const cross = firstWidth(unet, CROSS_ATTENTION_MODULE);
  if (cross !== undefined) {
    const base = CROSS_ATTENTION_BASE.get(cross[1]);
    if (base !== undefined) {
      return { base, strength: "width", evidence: [`attn2.to_k in-dim ${cross[1]} → ${base}`] };
    }
  }
  const deep = unet.find((m) => DEEP_TRANSFORMER_BLOCK.test(m.name));
  if (deep !== undefined) {
    return { base: "sdxl", strength: "structure", evidence: [`${shortName(deep.name)}: transformer block ≥ 2 → sdxl`] };
  }

  const encoders = new Set(te.map((m) => textEncoderOf(m.name)));
  const te2 = firstWidth(te.filter((m) => textEncoderOf(m.name) === "te2"), TEXT_ENCODER_INPUT);
  if (te2 !== undefined && te2[1] === 1280) {
    if (encoders.has("te3")) return { base: "sd3", strength: "width", evidence: ["CLIP-G (1280) + T5 text encoder → sd3"] };
    return { base: "sdxl", strength: "width", evidence: ["second text encoder in-dim 1280 → sdxl"] };
  }
  if (encoders.has("te3")) return { base: "flux", strength: "structure", evidence: ["CLIP-L + T5 text encoder, no CLIP-G → flux"] };
  const single = firstWidth(te.filter((m) => textEncoderOf(m.name) === "te" || textEncoderOf(m.name) === "te1"), TEXT_ENCODER_INPUT);
  if (single !== undefined && !encoders.has("te2")) {
    const base = CLIP_WIDTH_BASE.get(single[1]);
    if (base !== undefined) return { base, strength: "width", evidence: [`text encoder in-dim ${single[1]} → ${base}`] };
  }

  // SD1 proj_in/proj_out are 1×1 convs; SD2 and SDXL made them linear.
  const conv = unet.find((m) => /proj_(?:in|out)$/.test(m.name) && m.downRank === 4);
  if (conv !== undefined) return { base: "sd1", strength: "structure", evidence: ["proj_in lora_down is 4-D → sd1"] };
  return { base: "unknown", strength: "none", evidence: ["no cross-attention, DiT block or text-encoder width decides the base"] };
}
