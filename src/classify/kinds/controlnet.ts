import { A1111_CONTROLNET, comfy, fooocus, sdnextControl, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { CROSS_ATTENTION_BASE, type DiffusionDescription, describeDiffusion } from "../base.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import { type Evidence, evidence } from "../vocabulary.js";

/** Input-hint channels tell the conditioning type (3 RGB maps; 1 for a few grey-scale ones). */
function hintEvidence(header: NormalizedHeader, key: string): Evidence[] {
  const channels = header.index.dim(key, 1);
  return channels === undefined ? [] : [evidence("hint-channels", `hint channels ${channels}`)];
}

/** ControlNet base from its UNet copy's cross-attention, never from `controlnet_mid_block.bias` ([1280] everywhere). */
function unetCopy(prefix: string, hintKey: string) {
  return (header: NormalizedHeader): DiffusionDescription => {
    const description = describeDiffusion(header.index, prefix);
    // A ControlNet's input conv takes the latent; its channel count is no inpaint/depth variant of the ControlNet.
    return {
      ...description,
      variant: null,
      evidence: [...description.evidence.filter((e) => e.rule !== "input-channels"), ...hintEvidence(header, hintKey)],
    };
  };
}

function controlLora(header: NormalizedHeader): Description {
  const { index } = header;
  const width = index.dim("input_blocks.4.1.transformer_blocks.0.attn2.to_k.down", 1);
  const base = width === undefined ? undefined : CROSS_ATTENTION_BASE.get(width);
  if (base !== undefined) return { base, evidence: [`attn2.to_k.down in-dim ${width} → ${base}`] };
  const adm = index.dim("label_emb.0.0.weight", 1);
  if (adm === 2816) return { base: "sdxl", evidence: ["label_emb in-dim 2816 → sdxl"] };
  return { base: "unknown", confidence: "medium", evidence: ["no cross-attention or label_emb shape"] };
}

function fixedBase(base: "flux" | "sd3" | "sdxl" | "unknown", reason: string, confidence: "high" | "medium" = "high") {
  return (): Description => ({ base, confidence, evidence: [reason] });
}

const rules: readonly Rule[] = [
  {
    id: "control-lora",
    stage: "control-lora",
    all: [{ key: "lora_controlnet" }],
    architecture: "control-lora",
    describe: controlLora,
  },
  {
    id: "sparsectrl",
    stage: "sparsectrl",
    all: [{ prefix: "down_blocks.0.motion_modules." }],
    any: [{ key: "controlnet_cond_embedding.conv_in.weight" }, { key: "controlnet_cond_embedding.weight" }],
    architecture: "sparsectrl",
    describe: (header) => {
      const d = unetCopy("", "controlnet_cond_embedding.conv_in.weight")(header);
      // AnimateDiff SparseCtrl was only released for SD1.5; its UNet copy has no cross-attention to measure.
      if (d.base !== "unknown") return d;
      return {
        ...d,
        base: "sd1",
        confidence: "medium",
        evidence: [...d.evidence.filter((e) => e.rule !== "no-diffusion-marker"), "SparseCtrl exists for SD1.5 only"],
      };
    },
  },
  {
    id: "controlnet-hunyuan-dit",
    stage: "controlnet",
    all: [{ key: "after_proj_list.18.bias" }],
    architecture: "hunyuan-dit",
    describe: fixedBase("unknown", "HunyuanDiT ControlNet"),
  },
  {
    id: "controlnet-ldm",
    stage: "controlnet",
    any: [{ key: "control_model.zero_convs.0.0.weight" }, { key: "control_model.input_hint_block.0.weight" }],
    describe: unetCopy("control_model.", "control_model.input_hint_block.0.weight"),
  },
  {
    id: "controlnet-ldm-bare",
    stage: "controlnet",
    all: [{ key: "zero_convs.0.0.weight" }],
    describe: unetCopy("", "input_hint_block.0.weight"),
  },
  {
    id: "controlnet-union",
    stage: "controlnet",
    all: [
      { key: "controlnet_cond_embedding.conv_in.weight" },
      { key: "control_add_embedding.linear_1.bias" },
      { key: "task_embedding" },
    ],
    architecture: "controlnet-union",
    describe: unetCopy("", "controlnet_cond_embedding.conv_in.weight"),
  },
  {
    id: "controlnet-diffusers",
    stage: "controlnet",
    any: [{ key: "controlnet_cond_embedding.conv_in.weight" }, { key: "controlnet_down_blocks.0.weight" }],
    none: [{ key: "controlnet_blocks.0.weight" }],
    describe: unetCopy("", "controlnet_cond_embedding.conv_in.weight"),
  },
  {
    // InvokeAI flux/controlnet/state_dict_utils.py: XLabs ⊇
    // {controlnet_blocks.0.*, input_hint_block.0.*, pos_embed_input.*}
    id: "controlnet-flux-xlabs",
    stage: "controlnet",
    all: [
      { key: "controlnet_blocks.0.weight" },
      { key: "input_hint_block.0.weight" },
      { key: "pos_embed_input.weight" },
    ],
    describe: fixedBase("flux", "XLabs FLUX ControlNet set → flux"),
  },
  {
    id: "controlnet-sd3",
    stage: "controlnet",
    all: [{ key: "controlnet_blocks.0.weight" }, { key: "pos_embed_input.proj.weight" }],
    describe: fixedBase("sd3", "pos_embed_input.proj.weight + controlnet_blocks → sd3"),
  },
  {
    id: "controlnet-flux-instantx",
    stage: "controlnet",
    all: [{ key: "controlnet_blocks.0.weight" }, { key: "controlnet_x_embedder.weight" }],
    describe: fixedBase("flux", "controlnet_x_embedder (InstantX) → flux"),
  },
  {
    id: "controlnet-lllite",
    stage: "controlnet-lllite",
    all: [{ prefix: "lllite_unet_" }],
    architecture: "controlnet-lllite",
    describe: fixedBase(
      "sdxl",
      "kohya ControlNet-LLLite is SDXL-only (sd-scripts sdxl_train_control_net_lllite.py)",
      "medium",
    ),
  },
];

export const controlnet = defineKind({
  name: "controlnet",
  stages: [
    // `lora_controlnet`: its `.up/.down` pairs would otherwise read as a LoRA.
    { name: "control-lora", order: 10 },
    // AnimateDiff SparseCtrl carries motion modules too: before the motion-module rule would claim it.
    { name: "sparsectrl", order: 15 },
    // LDM `control_model.`/`zero_convs`, diffusers `controlnet_cond_embedding`, FLUX/SD3 sets: a ControlNet carries
    // UNet-like keys, so before the checkpoint and bare-UNet stages.
    { name: "controlnet", order: 30 },
    // `lllite_unet_`: LoRA-like module names.
    { name: "controlnet-lllite", order: 50 },
  ],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_CONTROLNET,
    forge: A1111_CONTROLNET,
    sdnext: {
      folder: sdnextControl("controlnet"),
      byArchitecture: {
        "controlnet-lllite": sdnextControl("lite"),
        "controlnet-xs": sdnextControl("xs"),
      },
    },
    comfyui: { folder: comfy("controlnet") },
    swarmui: { folder: swarm("controlnet", "SDControlNetsFolder") },
    fooocus: {
      folder: fooocus("controlnet", "path_controlnet", {
        warning: "Fooocus loads only its own ControlNet files, by name",
      }),
    },
    stabilitymatrix: { folder: sharedLibrary("ControlNet") },
  },
  civitai: { types: ["controlnet"] },
});
