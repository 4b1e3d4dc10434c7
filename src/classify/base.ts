import type { KeyIndex } from "./key-index.js";
import type { Description } from "./rule.js";
import { type Base, type Evidence, evidence as fact } from "./vocabulary.js";

/**
 * Cross-attention (`attn2.to_k`/`to_v`) input width = the text-encoder width the UNet was trained with.
 * The one SD-family signal that holds for checkpoints, ControlNets and LoRAs alike.
 */
export const CROSS_ATTENTION_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [768, "sd1"],
  [1024, "sd2"],
  [2048, "sdxl"],
  [1280, "sdxl-refiner"],
]);

/** DiT family markers relative to the model prefix, in ComfyUI `detect_unet_config` order (first match wins). */
interface DitMarker {
  readonly key: string;
  readonly base: Base;
  /** For families the Base list has no value for. */
  readonly architecture: string | null;
}
export const DIT_MARKERS: readonly DitMarker[] = [
  { key: "joint_blocks.0.context_block.attn.qkv.weight", base: "sd3", architecture: null },
  { key: "clf.1.weight", base: "cascade", architecture: null },
  { key: "double_layers.0.attn.w1q.weight", base: "auraflow", architecture: null },
  { key: "mlp_t5.0.weight", base: "unknown", architecture: "hunyuan-dit" },
  { key: "txt_in.individual_token_refiner.blocks.0.norm1.weight", base: "hunyuan-video", architecture: null },
  { key: "double_blocks.0.img_attn.norm.key_norm.scale", base: "flux", architecture: null },
  { key: "double_blocks.0.img_attn.norm.key_norm.weight", base: "flux", architecture: null },
  { key: "t5_yproj.weight", base: "unknown", architecture: "mochi" },
  { key: "adaln_single.emb.timestep_embedder.linear_1.bias", base: "ltxv", architecture: null },
  { key: "t_block.1.weight", base: "pixart", architecture: null },
  { key: "blocks.block0.blocks.0.block.attn.to_q.0.weight", base: "unknown", architecture: "cosmos" },
  // Lumina 2 and Z-Image share the NextDiT layout; the hidden width tells them apart (describeDit).
  { key: "cap_embedder.1.weight", base: "unknown", architecture: "lumina2" },
  { key: "head.modulation", base: "wan", architecture: null },
  { key: "caption_projection.0.linear.weight", base: "hidream", architecture: null },
  { key: "blocks.0.mlp.layer1.weight", base: "unknown", architecture: "cosmos-predict2" },
  { key: "txt_norm.weight", base: "qwen-image", architecture: null },
  // diffusers transformer layouts (single_file_utils CHECKPOINT_KEY_NAMES); FLUX before SD3: both have add_q_proj.
  { key: "single_transformer_blocks.0.attn.to_k.weight", base: "flux", architecture: null },
  { key: "joint_transformer_blocks.0.attn.add_k_proj.weight", base: "auraflow", architecture: null },
  { key: "transformer_blocks.0.attn.add_q_proj.weight", base: "sd3", architecture: null },
];

/**
 * FLUX.2 hidden width (`img_in` out) → model: dev 6144, Klein 9B 4096, Klein 4B 3072
 * (black-forest-labs/flux2 `model.py`).
 */
const FLUX2_MODELS: ReadonlyMap<number, string> = new Map([
  [6144, "flux2-dev"],
  [4096, "flux2-klein-9b"],
  [3072, "flux2-klein-4b"],
]);

/** NextDiT hidden width (`cap_embedder.1` out): Lumina Image 2.0 2304, Z-Image 3840 (ComfyUI model_detection). */
const Z_IMAGE_HIDDEN = 3840;

/** Wan model width (`head.modulation` [1, 2, dim]) → size (Wan-Video/Wan2.x `wan/configs`). */
const WAN_MODELS: ReadonlyMap<number, string> = new Map([
  [1536, "wan-1.3b"],
  [5120, "wan-14b"],
  [3072, "wan2.2-5b"],
]);

/** Wan patch-embedding input channels beyond 16 latent channels: I2V adds mask + image latents, TI2V-5B has 48. */
const WAN_INPUT_VARIANT: ReadonlyMap<number, string> = new Map([
  [36, "i2v"],
  [48, "ti2v"],
]);

/** UNet layouts: where the input conv, a cross-attention and the SDXL class embedding live. */
interface UnetLayout {
  readonly name: string;
  readonly inputConv: string;
  /** First present wins; level 1 exists in every SD-family UNet, level 0 only in SD1/SD2. */
  readonly crossAttention: readonly string[];
  readonly classEmbedding: string;
}
export const LDM_UNET: UnetLayout = {
  name: "ldm",
  inputConv: "input_blocks.0.0.weight",
  crossAttention: [
    "input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight",
    "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
  ],
  classEmbedding: "label_emb.0.0.weight",
};
export const DIFFUSERS_UNET: UnetLayout = {
  name: "diffusers",
  inputConv: "conv_in.weight",
  crossAttention: [
    "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight",
    "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight",
  ],
  classEmbedding: "add_embedding.linear_1.weight",
};
const UNET_LAYOUTS: readonly UnetLayout[] = [LDM_UNET, DIFFUSERS_UNET];

/** SDXL-style class-embedding input width (`adm_in_channels`): 2816 base, 2560 refiner (ComfyUI supported_models). */
const CLASS_EMBEDDING_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [2816, "sdxl"],
  [2560, "sdxl-refiner"],
]);

/** UNet input channels beyond the 4 latent ones: the mask and masked image, pix2pix's source image, SD2's depth map. */
const INPUT_CHANNEL_VARIANT: ReadonlyMap<number, string> = new Map([
  [9, "inpaint"],
  [8, "instruct-pix2pix"],
  [5, "depth"],
]);

/** A description whose every fact names the probe that found it, so the rules that reuse it can pick by id. */
export interface DiffusionDescription extends Description {
  evidence: Evidence[];
}

function describeDit(index: KeyIndex, prefix: string, marker: DitMarker): DiffusionDescription {
  const evidence = [fact("dit-marker", `${marker.key} → ${marker.architecture ?? marker.base}`)];
  let base = marker.base;
  let architecture = marker.architecture;
  let variant: string | null = null;
  const at = (key: string) => `${prefix}${key}`;
  if (base === "flux") {
    if (index.hasPrefix(at("distilled_guidance_layer."))) {
      base = "chroma";
      evidence.push(fact("dit-family", "distilled_guidance_layer.* → chroma"));
      if (index.hasPrefix(at("nerf_blocks."))) architecture = "chroma-radiance";
    } else if (index.has(at("double_stream_modulation_img.lin.weight"))) {
      base = "flux2";
      evidence.push(fact("dit-family", "double_stream_modulation_img.lin.weight → flux2"));
      const hidden = index.dim(at("img_in.weight"), 0);
      architecture = hidden === undefined ? null : (FLUX2_MODELS.get(hidden) ?? null);
      if (architecture !== null) evidence.push(fact("dit-width", `img_in out ${hidden} → ${architecture}`));
    } else {
      const imgIn = index.dim(at("img_in.weight"), 1) ?? index.dim(at("x_embedder.weight"), 1);
      if (imgIn === 384) {
        variant = "inpaint";
        evidence.push(fact("input-channels", "img_in in-dim 384 → FLUX Fill"));
      } else if (imgIn === 128) {
        variant = "control";
        evidence.push(fact("input-channels", "img_in in-dim 128 → FLUX Depth/Canny"));
      }
      const guided =
        index.has(at("guidance_in.in_layer.weight")) || index.hasPrefix(at("time_text_embed.guidance_embedder."));
      evidence.push(
        fact("guidance-embedder", guided ? "guidance embedder present → dev" : "no guidance embedder → schnell"),
      );
    }
  } else if (base === "sd3") {
    const hidden = index.dim(at("x_embedder.proj.weight"), 0) ?? index.dim(at("pos_embed.proj.weight"), 0);
    if (hidden === 2432) architecture = "sd3.5-large";
    else if (hidden === 1536)
      architecture = index.hasPrefix(at("joint_blocks.0.x_block.attn2.")) ? "sd3.5-medium" : "sd3-medium";
    if (hidden !== undefined) evidence.push(fact("dit-width", `hidden ${hidden} → ${architecture ?? "sd3"}`));
  } else if (architecture === "lumina2") {
    const hidden = index.dim(at("cap_embedder.1.weight"), 0);
    if (hidden === Z_IMAGE_HIDDEN) {
      base = "z-image";
      architecture = null;
    }
    evidence.push(
      fact("dit-width", `cap_embedder.1 out ${hidden ?? "?"} → ${base === "z-image" ? "z-image" : "lumina2"}`),
    );
  } else if (base === "wan") {
    const dim = index.dim(at("head.modulation"), 2);
    architecture = dim === undefined ? null : (WAN_MODELS.get(dim) ?? null);
    evidence.push(
      fact("dit-width", `head.modulation width ${dim ?? "?"}${architecture === null ? "" : ` → ${architecture}`}`),
    );
    const inChannels = index.dim(at("patch_embedding.weight"), 1);
    if (index.hasPrefix(at("vace_blocks."))) variant = "vace";
    else if (inChannels !== undefined) variant = WAN_INPUT_VARIANT.get(inChannels) ?? null;
    if (variant === "vace") evidence.push(fact("dit-variant", "vace_blocks.* → vace"));
    else if (variant !== null)
      evidence.push(fact("input-channels", `patch_embedding in-ch ${inChannels} → ${variant}`));
  } else if (base === "qwen-image") {
    evidence.push(fact("dit-marker", "Qwen-Image and Qwen-Image-Edit have the same keys and shapes"));
  } else if (base === "cascade") {
    if (index.has(at("clip_txt_mapper.weight"))) architecture = "stage-c";
    else if (index.has(at("clip_mapper.weight"))) architecture = "stage-b";
  }
  return { base, architecture, variant, evidence };
}

function describeUnet(index: KeyIndex, prefix: string, layout: UnetLayout): DiffusionDescription {
  const at = (key: string) => `${prefix}${key}`;
  const evidence: Evidence[] = [];
  let base: Base = "unknown";
  const attention = layout.crossAttention.find((k) => index.has(at(k)));
  const width = attention === undefined ? undefined : index.dim(at(attention), 1);
  if (width !== undefined) {
    base = CROSS_ATTENTION_BASE.get(width) ?? "unknown";
    evidence.push(fact("cross-attention-width", `attn2.to_k in-dim ${width} → ${base}`));
  }
  const adm = index.dim(at(layout.classEmbedding), 1);
  const admBase = adm === undefined ? undefined : CLASS_EMBEDDING_BASE.get(adm);
  if (admBase !== undefined) {
    if (base === "unknown") base = admBase;
    evidence.push(
      fact(
        "class-embedding",
        `${layout.classEmbedding.split(".")[0]} in-dim ${adm} ${admBase === base ? "agrees" : `says ${admBase}`}`,
      ),
    );
  } else if (adm !== undefined && base === "sd2") {
    evidence.push(fact("class-embedding", `class embedding in-dim ${adm} → SD2 unCLIP`));
  }
  const inChannels = index.dim(at(layout.inputConv), 1);
  let variant = inChannels === undefined ? null : (INPUT_CHANNEL_VARIANT.get(inChannels) ?? null);
  if (variant !== null) evidence.push(fact("input-channels", `${layout.inputConv} in-ch ${inChannels} → ${variant}`));
  // SDXL prediction markers are top-level keys beside the UNet (comfy/supported_models.py `SDXL.model_type`).
  if (index.has("v_pred")) {
    variant = "v-prediction";
    evidence.push(fact("prediction-type", `v_pred key → v-prediction${index.has("ztsnr") ? " (ztsnr)" : ""}`));
  } else if (index.has("edm_vpred.sigma_max")) {
    variant = "v-prediction";
    evidence.push(fact("prediction-type", "edm_vpred.sigma_max → EDM v-prediction"));
  } else if (index.has("edm_mean") && index.has("edm_std")) {
    variant = "edm";
    evidence.push(fact("prediction-type", "edm_mean/edm_std → EDM (Playground v2.5)"));
  }
  return {
    base,
    variant,
    architecture: null,
    evidence,
    ...(base === "unknown" ? { confidence: "medium" as const } : {}),
  };
}

/** Base, variant and architecture of the UNet/DiT under `prefix`; shapes only. */
export function describeDiffusion(index: KeyIndex, prefix: string): DiffusionDescription {
  const marker = DIT_MARKERS.find((m) => index.has(`${prefix}${m.key}`));
  if (marker !== undefined) return describeDit(index, prefix, marker);
  const layout = UNET_LAYOUTS.find(
    (l) => index.has(`${prefix}${l.inputConv}`) || l.crossAttention.some((k) => index.has(`${prefix}${k}`)),
  );
  if (layout !== undefined) return describeUnet(index, prefix, layout);
  return {
    base: "unknown",
    confidence: "medium",
    evidence: [fact("no-diffusion-marker", `no UNet/DiT marker under ${prefix || "the root"}`)],
  };
}
