import {
  A1111_CHECKPOINTS,
  COMFY_WITH_GGUF,
  comfy,
  FORGE_CHECKPOINTS,
  folder,
  NO_FOLDER,
  sharedLibrary,
  swarm,
} from "../../model/ui-folders.js";
import { DIFFUSERS_UNET, DIT_MARKERS, describeDiffusion, LDM_UNET } from "../base.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Rule } from "../rule.js";

/** Prefixes a bare UNet/DiT is saved under: none (BFL, diffusers), ComfyUI's `diffusion_model.`, kohya's `unet.`. */
const BARE_PREFIXES = ["", "diffusion_model.", "unet."] as const;

function bareRules(prefix: string): Rule[] {
  const describe = (header: NormalizedHeader) => describeDiffusion(header.index, prefix);
  const suffix = prefix === "" ? "" : `-${prefix.slice(0, -1)}`;
  return [
    {
      id: `dit${suffix}`,
      stage: "bare-diffusion-model",
      any: DIT_MARKERS.map((m) => ({ key: `${prefix}${m.key}` })),
      describe,
    },
    {
      id: `unet-ldm${suffix}`,
      stage: "bare-diffusion-model",
      all: [{ key: `${prefix}${LDM_UNET.inputConv}` }, { key: `${prefix}out.2.weight` }],
      describe,
    },
    {
      // ComfyUI requires conv_in.weight for a diffusers UNet; down/up blocks tell it from other convnets.
      id: `unet-diffusers${suffix}`,
      stage: "bare-diffusion-model",
      all: [
        { key: `${prefix}${DIFFUSERS_UNET.inputConv}` },
        { prefix: `${prefix}down_blocks.` },
        { prefix: `${prefix}up_blocks.` },
      ],
      describe,
    },
  ];
}

const rules: readonly Rule[] = [
  {
    // The LDM prefix without text encoder or VAE: a "checkpoint" that is really a diffusion model.
    id: "diffusion-model-ldm",
    stage: "ldm-diffusion-model",
    all: [{ prefix: "model.diffusion_model." }],
    describe: (header) => describeDiffusion(header.index, "model.diffusion_model."),
  },
  ...BARE_PREFIXES.flatMap(bareRules),
];

export const diffusionModel = defineKind({
  name: "diffusion-model",
  stages: [
    // The LDM prefix alone: after the checkpoint rule, which wants a text encoder or VAE beside it.
    { name: "ldm-diffusion-model", order: 95 },
    // UNet/DiT markers without a prefix: last, since `conv_in`/`input_blocks` are generic.
    { name: "bare-diffusion-model", order: 160 },
  ],
  rules,
  baseBearing: true,
  folders: {
    // A1111 cannot load UNet-only files (will-load.ts says so in the plan); Forge, sharing the folder, loads them here.
    a1111: { folder: folder("Stable-diffusion", A1111_CHECKPOINTS, { setting: "ckpt_dir" }) },
    // Forge loads UNet-only files from the checkpoint folder and takes VAE / text encoders from their own folders.
    forge: { folder: folder("Stable-diffusion", FORGE_CHECKPOINTS, { setting: "ckpt_dir" }) },
    sdnext: { folder: folder("UNET", [".safetensors", ".gguf"], { setting: "unet_dir" }) },
    comfyui: { folder: comfy("diffusion_models", { extensions: COMFY_WITH_GGUF }) },
    swarmui: { folder: swarm("diffusion_models") },
    fooocus: NO_FOLDER,
    stabilitymatrix: { folder: sharedLibrary("DiffusionModels") },
  },
  civitai: { types: ["unet"], alsoFiledAs: ["checkpoint"] },
});
