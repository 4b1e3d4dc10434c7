import {
  A1111_CHECKPOINTS,
  comfy,
  FORGE_CHECKPOINTS,
  folder,
  fooocus,
  sharedLibrary,
  swarm,
} from "../../model/ui-folders.js";
import { describeDiffusion } from "../base.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, KeyTest, Rule } from "../rule.js";
import type { Base } from "../vocabulary.js";

/**
 * Text-encoder shapes that confirm (or contradict) the UNet's base in an all-in-one file (A1111 sd_models_config.py).
 */
const TEXT_ENCODER_PROBES: readonly { key: string; dim: number; value: number; base: Base }[] = [
  { key: "conditioner.embedders.1.model.ln_final.weight", dim: 0, value: 1280, base: "sdxl" },
  { key: "conditioner.embedders.0.model.ln_final.weight", dim: 0, value: 1280, base: "sdxl-refiner" },
  { key: "conditioner.embedders.0.model.ln_final.weight", dim: 0, value: 1024, base: "sd2" },
  { key: "cond_stage_model.model.token_embedding.weight", dim: 1, value: 1024, base: "sd2" },
  { key: "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", dim: 1, value: 768, base: "sd1" },
  { key: "te.text_model.embeddings.token_embedding.weight", dim: 1, value: 768, base: "sd1" },
  { key: "te2.text_model.embeddings.token_embedding.weight", dim: 1, value: 1280, base: "sdxl" },
];

function describeCheckpoint(prefix: string) {
  return (header: NormalizedHeader): Description => {
    const { index } = header;
    const description = describeDiffusion(index, prefix);
    const evidence: Description["evidence"] = [...description.evidence];
    let base = description.base ?? "unknown";
    const probe = TEXT_ENCODER_PROBES.find((p) => index.dim(p.key, p.dim) === p.value);
    if (probe !== undefined) {
      if (base === "unknown") {
        base = probe.base;
        evidence.push(`text encoder width ${probe.value} → ${probe.base}`);
      } else if (base !== probe.base) {
        evidence.push(`text encoder width ${probe.value} says ${probe.base}`);
      }
    }
    let variant = description.variant ?? null;
    if (index.hasPrefix("depth_model.")) {
      variant = "depth";
      evidence.push("depth_model.* → depth");
    }
    const confidence = base === "unknown" ? "medium" : description.confidence;
    return { ...description, base, variant, evidence, ...(confidence !== undefined ? { confidence } : {}) };
  };
}

const LDM_COMPANIONS: readonly KeyTest[] = [
  { prefix: "cond_stage_model." },
  { prefix: "conditioner.embedders." },
  { prefix: "text_encoders." },
  { prefix: "first_stage_model." },
  { prefix: "vae." },
];

const rules: readonly Rule[] = [
  {
    id: "checkpoint-ldm",
    stage: "checkpoint",
    all: [{ prefix: "model.diffusion_model." }],
    any: LDM_COMPANIONS,
    describe: describeCheckpoint("model.diffusion_model."),
  },
  {
    // kohya single files: SD1 `te.`/`unet.`/`vae.` (diffusers names), SDXL `te1.`/`te2.`/`unet.`/`first_stage_model.`
    id: "checkpoint-kohya",
    stage: "checkpoint",
    all: [{ prefix: "unet." }],
    any: [{ prefix: "te." }, { prefix: "te1." }, { prefix: "vae." }, { prefix: "first_stage_model." }],
    describe: describeCheckpoint("unet."),
  },
];

export const checkpoint = defineKind({
  name: "checkpoint",
  // After the LoRA family: a merged checkpoint that kept LoRA keys is a checkpoint. Before VAE and text encoder,
  // which a checkpoint contains.
  stages: [{ name: "checkpoint", order: 90 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
    forge: { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS, { setting: "ckpt_dir" }) },
    sdnext: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
    comfyui: { folder: comfy("checkpoints") },
    swarmui: { folder: swarm("Stable-Diffusion", "SDModelFolder") },
    fooocus: { folder: fooocus("checkpoints", "path_checkpoints") },
    stabilitymatrix: { folder: sharedLibrary("StableDiffusion") },
  },
  civitai: { types: ["checkpoint"], alsoFiledAs: ["unet"] },
});
