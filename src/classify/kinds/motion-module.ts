import { comfy, folder, NO_FOLDER } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

const POSITIONAL_ENCODING =
  "down_blocks.0.motion_modules.0.temporal_transformer.transformer_blocks.0.attention_blocks.0.pos_encoder.pe";
/** up_blocks.2 has 640 channels in SD1 and 320 in SDXL (diffusers infer_diffusers_model_type). */
const UP2_NORM = "up_blocks.2.motion_modules.0.temporal_transformer.norm.weight";

function describeMotion(header: NormalizedHeader): Description {
  const { index } = header;
  const evidence: string[] = [];
  const frames = index.dim(POSITIONAL_ENCODING, 1);
  if (frames !== undefined)
    evidence.push(
      frames === 24 ? "pos_encoder length 24 → AnimateDiff v1" : `pos_encoder length ${frames} → AnimateDiff v2/v3`,
    );
  if (index.hasPrefix("mid_block.motion_modules.")) evidence.push("mid_block motion module → AnimateDiff v2");
  const width = index.dim(UP2_NORM, 0);
  if (width === 320) return { base: "sdxl", evidence: [...evidence, "up_blocks.2 width 320 → sdxl"] };
  if (width === 640) return { base: "sd1", evidence: [...evidence, "up_blocks.2 width 640 → sd1"] };
  return { base: "unknown", confidence: "medium", evidence: [...evidence, "no up_blocks.2 motion module to measure"] };
}

const rules: readonly Rule[] = [
  {
    id: "animatediff",
    stage: "motion-module",
    any: [
      { prefix: "down_blocks.0.motion_modules." },
      { prefix: "mid_block.motion_modules." },
      { prefix: "up_blocks.0.motion_modules." },
    ],
    // Motion LoRAs carry the same block names with LoRA pairs; they are LoRAs.
    none: [{ feature: "lora-modules" }],
    describe: describeMotion,
  },
];

export const motionModule = defineKind({
  name: "motion-module",
  // AnimateDiff reuses diffusers UNet block names: before ControlNet and the UNet stages.
  stages: [{ name: "motion-module", order: 20 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: {
      folder: folder("extensions/sd-webui-animatediff/model", [".safetensors", ".ckpt", ".pth"], { under: "data" }),
    },
    // AnimateDiff for Forge lives in whichever extension the user installed; there is no folder to rely on.
    forge: NO_FOLDER,
    sdnext: NO_FOLDER,
    comfyui: {
      folder: comfy("animatediff_models", { warning: "motion modules need the AnimateDiff-Evolved custom node" }),
    },
    swarmui: NO_FOLDER,
    fooocus: NO_FOLDER,
    stabilitymatrix: NO_FOLDER,
  },
  civitai: { types: ["motionmodule"] },
});
