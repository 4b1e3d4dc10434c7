import { ANY_BASE, COMFY_WITH_GGUF, comfy, folder, NO_FOLDER, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, KeyTest, Rule } from "../rule.js";

/**
 * Prefixes a HF-layout CLIP text encoder keeps when split out of a checkpoint: none (HF, ComfyUI), `transformer.`,
 * and the component prefixes of LDM, SGM, ComfyUI-SD3/FLUX and kohya single files.
 */
const PREFIXES = [
  "",
  "transformer.",
  "cond_stage_model.transformer.",
  "conditioner.embedders.0.transformer.",
  "text_encoders.clip_l.transformer.",
  "text_encoders.clip_g.transformer.",
  "te.",
  "te1.",
  "te2.",
] as const;
/**
 * OpenCLIP text towers: alone, or as SD2 (`cond_stage_model.model.`) / SDXL (`conditioner.embedders.1.model.`) parts.
 */
const OPENCLIP_PREFIXES = [
  "",
  "model.",
  "cond_stage_model.model.",
  "conditioner.embedders.1.model.",
  "conditioner.embedders.0.model.",
] as const;
/** T5 encoders: alone, or ComfyUI's SD3/FLUX component. */
const T5_PREFIXES = ["", "text_encoders.t5xxl.transformer."] as const;

/** A full CLIPModel/SigLIP (text + vision tower) is placed as an image encoder. */
const VISION_TOWER: readonly KeyTest[] = [{ prefix: "vision_model." }, { prefix: "visual." }];

/** Which base models use each encoder: shapes cannot tie a shared encoder to one base. */
const USED_BY: Readonly<Record<string, string>> = {
  "clip-l": "CLIP-L serves SD1, SDXL, SD3 and FLUX",
  "clip-g": "CLIP-G serves SDXL and SD3",
  "clip-h": "OpenCLIP-H serves SD2",
  "t5-xxl": "T5-XXL serves SD3, FLUX, PixArt, HiDream and LTX-Video",
  "umt5-xxl": "UMT5-XXL serves Wan 2.x only",
  "qwen3-4b": "Qwen3-4B serves Z-Image and FLUX.2 Klein 4B",
  "qwen3-8b": "Qwen3-8B serves FLUX.2 Klein 9B",
  "qwen-2.5": "Qwen2.5-VL 7B serves Qwen-Image",
  "mistral-small-3": "Mistral Small 3.x serves FLUX.2 dev",
  "llama-3-8b": "Llama 3.1 8B serves HiDream; LLaVA-Llama-3-8B serves HunyuanVideo",
};

function encoder(architecture: string, widthKey: string) {
  return (header: NormalizedHeader): Description => {
    const prefix = PREFIXES.find((p) => header.index.has(`${p}${widthKey}`)) ?? "";
    const width = header.index.dim(`${prefix}${widthKey}`, 1);
    const evidence = width === undefined ? [] : [`width ${width}`];
    const usedBy = USED_BY[architecture];
    if (usedBy !== undefined) evidence.push(usedBy);
    return { base: "unknown", architecture, evidence };
  };
}

function clipRule(id: string, layerKey: string): Rule {
  return {
    id,
    stage: "text-encoder",
    any: PREFIXES.map((p) => ({ key: `${p}${layerKey}` })),
    none: VISION_TOWER,
    architecture: id,
    describe: encoder(id, "text_model.embeddings.token_embedding.weight"),
  };
}

const T5_LAYER0 = "encoder.block.0.layer.0.SelfAttention.k.weight";

function describeT5(header: NormalizedHeader): Description {
  const { index } = header;
  const prefix = T5_PREFIXES.find((p) => index.has(`${p}${T5_LAYER0}`)) ?? "";
  // UMT5 (Wan's text encoder) keeps a relative-attention bias in every block; T5 only in block 0 (HF modeling_umt5).
  if (index.has(`${prefix}encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight`)) {
    return {
      base: "wan",
      architecture: "umt5-xxl",
      evidence: ["relative_attention_bias in every block → UMT5", USED_BY["umt5-xxl"] as string],
    };
  }
  const gated = index.dim(`${prefix}encoder.block.23.layer.1.DenseReluDense.wi_1.weight`, 0);
  if (gated === 10240)
    return {
      base: "unknown",
      architecture: "t5-xxl",
      evidence: ["block 23 wi_1 out 10240 → T5-XXL", USED_BY["t5-xxl"] as string],
    };
  if (gated === 5120) return { base: "unknown", architecture: "t5-xl", evidence: ["block 23 wi_1 out 5120 → T5-XL"] };
  if (index.has(`${prefix}encoder.block.23.layer.1.DenseReluDense.wi.weight`)) {
    return { base: "unknown", architecture: "t5-xxl", evidence: ["block 23 ungated wi → T5-XXL v1.0"] };
  }
  const k = index.dim(`${prefix}${T5_LAYER0}`, 0);
  return k === 384
    ? { base: "unknown", architecture: "byt5-small", evidence: ["SelfAttention.k out 384 → ByT5-small"] }
    : { base: "unknown", architecture: "t5-base", evidence: [`SelfAttention.k out ${k ?? "?"} → T5-base`] };
}

/** Decoder-only LLM encoders: the hidden width (`q_proj` in-dim) names the size where families share a layout. */
function llm(
  id: string,
  keys: readonly string[],
  bySize: Readonly<Record<number, string>> = {},
  absent: readonly string[] = [],
): Rule {
  return {
    id,
    stage: "text-encoder",
    all: keys.map((key) => ({ key })),
    none: [...VISION_TOWER, ...absent.map((key) => ({ key }))],
    architecture: id,
    describe: (header) => {
      const width = header.index.dim("model.layers.0.self_attn.q_proj.weight", 1);
      const architecture = (width === undefined ? undefined : bySize[width]) ?? id;
      const evidence = [
        `${keys.join(" + ")} → ${id}` +
          `${width === undefined ? "" : `, width ${width}${architecture === id ? "" : ` → ${architecture}`}`}`,
      ];
      const usedBy = USED_BY[architecture];
      return { base: "unknown", architecture, evidence: usedBy === undefined ? evidence : [...evidence, usedBy] };
    },
  };
}

// ComfyUI comfy/sd.py detect_te_model order: larger CLIPs first, since every CLIP has layer 0.
const rules: readonly Rule[] = [
  clipRule("clip-g", "text_model.encoder.layers.30.mlp.fc1.weight"),
  clipRule("clip-h", "text_model.encoder.layers.22.mlp.fc1.weight"),
  clipRule("clip-l", "text_model.encoder.layers.0.mlp.fc1.weight"),
  {
    // OpenCLIP text towers (SD2's OpenCLIP-H, SDXL's OpenCLIP-G) saved alone
    id: "openclip-text",
    stage: "text-encoder",
    any: OPENCLIP_PREFIXES.map((p) => ({ key: `${p}transformer.resblocks.0.attn.in_proj_weight` })),
    none: VISION_TOWER,
    describe: (header) => {
      const prefix =
        OPENCLIP_PREFIXES.find((p) => header.index.has(`${p}transformer.resblocks.0.attn.in_proj_weight`)) ?? "";
      // in_proj packs q, k and v: [3·width, width]
      const width = header.index.dim(`${prefix}transformer.resblocks.0.attn.in_proj_weight`, 1);
      const architecture = width === 1280 ? "clip-g" : width === 1024 ? "clip-h" : null;
      return {
        base: "unknown",
        architecture,
        evidence: [`OpenCLIP text width ${width ?? "?"}`],
        ...(architecture === null ? { confidence: "medium" as const } : {}),
      };
    },
  },
  {
    id: "t5",
    stage: "text-encoder",
    any: T5_PREFIXES.map((p) => ({ key: `${p}${T5_LAYER0}` })),
    describe: describeT5,
  },
  llm("gemma-3-4b", ["model.layers.0.post_feedforward_layernorm.weight", "model.layers.0.self_attn.q_norm.weight"]),
  llm("gemma-2-2b", ["model.layers.0.post_feedforward_layernorm.weight"]),
  llm("qwen-2.5", ["model.layers.0.self_attn.k_proj.bias"]),
  // Qwen3 normalises q and k per head and drops the q/k/v biases Qwen2.5 has (HF modeling_qwen3).
  llm("qwen3", ["model.layers.0.self_attn.q_norm.weight"], { 2560: "qwen3-4b", 4096: "qwen3-8b" }, [
    "model.layers.0.post_feedforward_layernorm.weight",
  ]),
  llm("llama-3-8b", ["model.layers.0.post_attention_layernorm.weight"], { 5120: "mistral-small-3" }),
];

export const textEncoder = defineKind({
  name: "text-encoder",
  // A full CLIPModel (text + vision) is left for clip-vision, whose stage comes after.
  stages: [{ name: "text-encoder", order: 110 }],
  rules,
  baseBearing: false,
  folders: {
    a1111: NO_FOLDER,
    forge: {
      folder: folder("text_encoder", [".safetensors", ".ckpt", ".pt", ".bin", ".gguf"], {
        baseSpecific: false,
        setting: "text_encoder_dir",
      }),
    },
    sdnext: { folder: folder("Text-encoder", [".safetensors"], { baseSpecific: false, setting: "te_dir" }) },
    comfyui: { folder: comfy("text_encoders", { baseSpecific: false, extensions: COMFY_WITH_GGUF }) },
    swarmui: { folder: swarm("text_encoders", "SDClipFolder", ANY_BASE) },
    fooocus: NO_FOLDER,
    stabilitymatrix: { folder: sharedLibrary("TextEncoders", ANY_BASE) },
  },
  civitai: { types: ["textencoder"] },
});
