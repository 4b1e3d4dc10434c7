import { CROSS_ATTENTION_BASE } from "./base.js";
import type { LoraModule } from "./lora-modules.js";
import type { Base } from "./vocabulary.js";

export interface LoraBase {
  base: Base;
  evidence: string[];
  /** Which kind of signal decided it: shapes of decisive modules, or structure only. */
  strength: "width" | "structure" | "none";
}

/**
 * UNet cross-attention key/value projections in every naming: kohya `_attn2_to_k`, diffusers `.attn2.to_k`,
 * `.attn2.processor.to_k`.
 */
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

/** CLIP self-attention projections: square (hidden × hidden), so an IA³ vector on them is the hidden width. */
const IA3_SQUARE_TEXT_LAYER = /self_attn[._](?:[qkv]|out)_proj$/;

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
/**
 * FLUX.2's MLPs are wider than FLUX.1's at the same hidden width (Klein 4B is 3072 wide like FLUX.1): the fused
 * single-block input projection is 9× hidden (FLUX.1 7×), the double-block MLP input 6× (FLUX.1 4×)
 * (black-forest-labs/flux2 `model.py`).
 */
const FLUX2_MLP_RATIOS: readonly { test: RegExp; ratio: number }[] = [
  { test: /single_blocks[._]\d+[._]linear1$/, ratio: 9 },
  { test: /(?:img|txt)_mlp[._]0$/, ratio: 6 },
];
/** FLUX.1 has 19 double and 38 single blocks; HunyuanVideo's otherwise FLUX-like DiT has 20 and 40. */
const FLUX1_LAST_DOUBLE = 18;
const FLUX1_LAST_SINGLE = 37;
/**
 * Block numbers in BFL/kohya (`double_blocks`, `single_blocks`) and diffusers (`transformer_blocks`,
 * `single_transformer_blocks`) names.
 */
const SINGLE_BLOCK_INDEX = /(?:single_blocks|single_transformer_blocks)[._](\d+)[._]/;
const DOUBLE_BLOCK_INDEX = /(?:double_blocks|(?:^|\.)transformer_blocks)[._](\d+)[._]/;
/**
 * HunyuanVideo module names that FLUX never has (Tencent/HunyuanVideo `hyvideo/modules/models.py`): `img_mlp.fc1`
 * (FLUX `img_mlp.0`), `img_mod.linear` (FLUX `img_mod.lin`), and, in dotted spelling, fused `img_attn_qkv`.
 */
const HUNYUAN_VIDEO_MODULE =
  /double_blocks[._]\d+[._](?:img|txt)_(?:mlp[._]fc[12]|mod[._]linear)$|double_blocks\.\d+\.(?:img|txt)_attn_(?:qkv|proj)$|single_blocks[._]\d+[._]modulation[._]linear$/;

/** Wrappers in front of a DiT LoRA's module path: kohya/musubi, OneTrainer, ComfyUI/BFL, diffusers, PEFT. */
const DIT_LORA_PREFIX =
  /^(?:lora_unet_|lora_transformer_|model\.diffusion_model\.|diffusion_model[._]|transformer\.|base_model\.model\.)+/;

/**
 * DiT families whose LoRAs name their blocks their own way, tested on the module path without its wrapper
 * (ComfyUI comfy/lora.py key maps, diffusers `*_transformer.py` module names, musubi-tuner kohya names).
 */
const FAMILY_MODULES: readonly { test: RegExp; base: Base }[] = [
  // HiDream-I1 (HiDream-ai/HiDream-I1 `hi_diffusers/models/transformers/transformer_hidream_image.py`)
  { test: /^(?:double|single)_stream_blocks[._]\d+[._]/, base: "hidream" },
  // Qwen-Image (diffusers transformer_qwenimage.py): separate image/text modulation and MLP per block
  { test: /^transformer_blocks[._]\d+[._](?:img|txt)_(?:mod|mlp)[._]/, base: "qwen-image" },
  // Wan 2.x native (Wan-Video `wan/modules/model.py`) and diffusers (transformer_wan.py) block names
  { test: /^blocks[._]\d+[._](?:(?:self_attn|cross_attn)[._][qkvo]|ffn[._][02])$/, base: "wan" },
  { test: /^blocks\.\d+\.(?:attn[12]\.(?:to_[qkv]|to_out\.0)|ffn\.net\.)/, base: "wan" },
];
/** NextDiT blocks (Lumina 2, Z-Image): `layers.N.attention.*`, `noise_refiner`, `context_refiner`. */
const NEXTDIT_MODULE =
  /^(?:layers|noise_refiner|context_refiner)[._]\d+[._](?:attention|feed_forward|adaLN_modulation)[._]/;
const Z_IMAGE_HIDDEN = 3840;
/** PixArt and LTX-Video (diffusers) both name `transformer_blocks.N.attn1/attn2`; PixArt is 1152 wide. */
const PIXART_LTX_MODULE = /^transformer_blocks[._]\d+[._]attn[12][._](?:to_[qkv]|to_out[._]0)$/;
const PIXART_HIDDEN = 1152;
/**
 * Qwen-Image joint attention: the names of SD3's diffusers MMDiT (1536 or 2432 wide) and of FLUX.1's 19 double
 * blocks (3072 wide, like Qwen-Image); only Qwen-Image has a block past FLUX.1's last (it has 60).
 */
const QWEN_IMAGE_ATTENTION = /^transformer_blocks[._](\d+)[._]attn[._](?:to_[qkv]|add_[qkv]_proj)$/;
const QWEN_IMAGE_HIDDEN = 3072;

function firstWidth(modules: readonly LoraModule[], test: RegExp): [LoraModule, number] | undefined {
  for (const m of modules) if (m.inputWidth !== undefined && test.test(m.name)) return [m, m.inputWidth];
  return undefined;
}

/** The module path without the trainer's wrapper (`lora_unet_`, `diffusion_model.`, `transformer.`, …). */
function bare(name: string): string {
  return name.replace(DIT_LORA_PREFIX, "");
}

/** HiDream, Qwen-Image, Wan, Z-Image, LTX-Video: families told by their block names (and one width). */
function ditFamily(modules: readonly LoraModule[]): LoraBase | null {
  for (const m of modules) {
    const name = bare(m.name);
    const family = FAMILY_MODULES.find((f) => f.test.test(name));
    if (family !== undefined)
      return { base: family.base, strength: "structure", evidence: [`${shortName(m.name)} → ${family.base}`] };
  }
  const nextDit = modules.find((m) => NEXTDIT_MODULE.test(bare(m.name)) && m.inputWidth !== undefined);
  if (nextDit !== undefined) {
    const zImage = nextDit.inputWidth === Z_IMAGE_HIDDEN;
    const evidence = [
      `${shortName(nextDit.name)} in-dim ${nextDit.inputWidth ?? "?"} ` +
        `→ ${zImage ? "z-image" : "Lumina 2 (no base value)"}`,
    ];
    return { base: zImage ? "z-image" : "unknown", strength: zImage ? "width" : "structure", evidence };
  }
  const pixartLtx = modules.find((m) => PIXART_LTX_MODULE.test(bare(m.name)) && m.inputWidth !== undefined);
  if (pixartLtx !== undefined) {
    const base = pixartLtx.inputWidth === PIXART_HIDDEN ? "pixart" : "ltxv";
    return {
      base,
      strength: "width",
      evidence: [`${shortName(pixartLtx.name)} in-dim ${pixartLtx.inputWidth ?? "?"} → ${base}`],
    };
  }
  return null;
}

/** FLUX.2 Klein 4B has FLUX.1's hidden width; its MLP ratios give it away. */
function flux2Mlp(modules: readonly LoraModule[]): LoraBase | null {
  for (const m of modules) {
    if (m.inputWidth === undefined || m.outputWidth === undefined) continue;
    const wide = FLUX2_MLP_RATIOS.find((r) => r.test.test(m.name) && m.outputWidth === r.ratio * (m.inputWidth ?? 0));
    if (wide !== undefined) {
      return {
        base: "flux2",
        strength: "width",
        evidence: [`${shortName(m.name)} out ${m.outputWidth} = ${wide.ratio}× in → flux2`],
      };
    }
  }
  return null;
}

function hunyuanVideo(modules: readonly LoraModule[]): LoraBase | null {
  const named = modules.find((m) => HUNYUAN_VIDEO_MODULE.test(m.name));
  if (named !== undefined)
    return { base: "hunyuan-video", strength: "structure", evidence: [`${shortName(named.name)} → hunyuan-video`] };
  for (const m of modules) {
    const single = SINGLE_BLOCK_INDEX.exec(m.name);
    const double = single === null ? DOUBLE_BLOCK_INDEX.exec(m.name) : null;
    const index = Number((single ?? double)?.[1] ?? -1);
    if (index > (single !== null ? FLUX1_LAST_SINGLE : FLUX1_LAST_DOUBLE)) {
      const which = single !== null ? "single" : "double";
      return {
        base: "hunyuan-video",
        strength: "structure",
        evidence: [`${shortName(m.name)}: more ${which} blocks than FLUX.1 → hunyuan-video`],
      };
    }
  }
  return null;
}

/** IA³ text-encoder modules: a square self-attention projection's scale vector is as long as the hidden width. */
function ia3TextWidth(te: readonly LoraModule[]): [LoraModule, number] | undefined {
  const m = te.find((x) => x.vectorWidth !== undefined && IA3_SQUARE_TEXT_LAYER.test(x.name));
  return m === undefined || m.vectorWidth === undefined ? undefined : [m, m.vectorWidth];
}

function textEncoderOf(name: string): "te" | "te1" | "te2" | "te3" | null {
  return TEXT_ENCODER_PREFIXES.find(([p]) => name.startsWith(p))?.[1] ?? null;
}

function shortName(name: string): string {
  return name.length > 60 ? `…${name.slice(-57)}` : name;
}

/** Base from the adapted modules: input widths and block structure only, never `time_emb_proj` (1280 in SD1/2/XL). */
export function loraBase(modules: readonly LoraModule[]): LoraBase {
  const unet = modules.filter((m) => textEncoderOf(m.name) === null);
  const te = modules.filter((m) => textEncoderOf(m.name) !== null);

  // DiT families first: their blocks never look like UNet attentions.
  const family = ditFamily(unet);
  if (family !== null) return family;
  const flux = unet.find((m) => FLUX_MODULE.test(m.name));
  if (flux !== undefined) {
    const hidden = firstWidth(unet, FLUX_HIDDEN_INPUT);
    if (hidden !== undefined && FLUX2_HIDDEN.has(hidden[1])) {
      return {
        base: "flux2",
        strength: "width",
        evidence: [`${shortName(hidden[0].name)} in-dim ${hidden[1]} → flux2`],
      };
    }
    const wide = flux2Mlp(unet);
    if (wide !== null) return wide;
    const hunyuan = hunyuanVideo(unet);
    if (hunyuan !== null) return hunyuan;
    const evidence = [`${shortName(flux.name)} → flux`];
    if (hidden !== undefined) evidence.push(`hidden in-dim ${hidden[1]}${hidden[1] === FLUX1_HIDDEN ? " agrees" : ""}`);
    return { base: "flux", strength: hidden?.[1] === FLUX1_HIDDEN ? "width" : "structure", evidence };
  }
  const sd3 = unet.find((m) => SD3_MODULE.test(m.name));
  if (sd3 !== undefined) return { base: "sd3", strength: "structure", evidence: [`${shortName(sd3.name)} → sd3`] };
  const aura = unet.find((m) => AURAFLOW_MODULE.test(m.name));
  if (aura !== undefined)
    return { base: "auraflow", strength: "structure", evidence: [`${shortName(aura.name)} → auraflow`] };
  const qwen = unet.find((m) => {
    const match = QWEN_IMAGE_ATTENTION.exec(bare(m.name));
    return match !== null && Number(match[1]) > FLUX1_LAST_DOUBLE && m.inputWidth === QWEN_IMAGE_HIDDEN;
  });
  if (qwen !== undefined) {
    return {
      base: "qwen-image",
      strength: "width",
      evidence: [`${shortName(qwen.name)} in-dim ${QWEN_IMAGE_HIDDEN} → qwen-image`],
    };
  }
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
  const te2Modules = te.filter((m) => textEncoderOf(m.name) === "te2");
  const te2 = firstWidth(te2Modules, TEXT_ENCODER_INPUT) ?? ia3TextWidth(te2Modules);
  if (te2 !== undefined && te2[1] === 1280) {
    if (encoders.has("te3"))
      return { base: "sd3", strength: "width", evidence: ["CLIP-G (1280) + T5 text encoder → sd3"] };
    return { base: "sdxl", strength: "width", evidence: ["second text encoder in-dim 1280 → sdxl"] };
  }
  // kohya names a second CLIP only for SDXL (SD3 adds a third, T5): enough when no width shows (IA³ on k/v alone).
  if (encoders.has("te2") && !encoders.has("te3") && te2 === undefined) {
    return { base: "sdxl", strength: "structure", evidence: ["two CLIP text encoders (te1/te2), no T5 → sdxl"] };
  }
  if (encoders.has("te3"))
    return { base: "flux", strength: "structure", evidence: ["CLIP-L + T5 text encoder, no CLIP-G → flux"] };
  const single =
    firstWidth(
      te.filter((m) => textEncoderOf(m.name) === "te" || textEncoderOf(m.name) === "te1"),
      TEXT_ENCODER_INPUT,
    ) ?? ia3TextWidth(te);
  if (single !== undefined && !encoders.has("te2")) {
    const base = CLIP_WIDTH_BASE.get(single[1]);
    if (base !== undefined)
      return { base, strength: "width", evidence: [`text encoder in-dim ${single[1]} → ${base}`] };
  }

  // SD1 proj_in/proj_out are 1×1 convs; SD2 and SDXL made them linear.
  const conv = unet.find((m) => /proj_(?:in|out)$/.test(m.name) && m.downRank === 4);
  if (conv !== undefined) return { base: "sd1", strength: "structure", evidence: ["proj_in lora_down is 4-D → sd1"] };
  return {
    base: "unknown",
    strength: "none",
    evidence: ["no cross-attention, DiT block or text-encoder width decides the base"],
  };
}
