import { A1111_CONTROLNET, comfy, NO_FOLDER, sdnextControl, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base } from "../vocabulary.js";

/**
 * conv_in in-channels = image channels × unshuffle²: SD1 adapters unshuffle by 8 (3·64 = 192, sketch 1·64 = 64),
 * SDXL by 16 (3·256 = 768, sketch 256) (TencentARC T2I-Adapter, ComfyUI comfy/t2i_adapter).
 */
const CONV_IN_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [192, "sd1"],
  [64, "sd1"],
  [768, "sdxl"],
  [256, "sdxl"],
]);

function byConvIn(key: string) {
  return (header: NormalizedHeader): Description => {
    const channels = header.index.dim(key, 1);
    const base = channels === undefined ? undefined : CONV_IN_BASE.get(channels);
    if (base === undefined)
      return {
        base: "unknown",
        confidence: "medium",
        evidence: [`${key} in-ch ${channels ?? "?"} is no known unshuffle`],
      };
    return { base, evidence: [`${key} in-ch ${channels} → ${base}`] };
  };
}

const rules: readonly Rule[] = [
  {
    id: "t2i-adapter",
    stage: "t2i-adapter",
    all: [{ key: "conv_in.weight" }, { key: "body.0.block1.weight" }],
    describe: byConvIn("conv_in.weight"),
  },
  {
    id: "t2i-adapter-light",
    stage: "t2i-adapter",
    all: [{ key: "body.0.in_conv.weight" }],
    describe: byConvIn("body.0.in_conv.weight"),
  },
  {
    id: "t2i-adapter-diffusers",
    stage: "t2i-adapter",
    any: [{ key: "adapter.body.0.resnets.0.block1.weight" }, { key: "adapter.conv_in.weight" }],
    describe: byConvIn("adapter.conv_in.weight"),
  },
];

export const t2iAdapter = defineKind({
  name: "t2i-adapter",
  // `conv_in` + `body.N.…`: before the upscalers, whose `body.` is similar.
  stages: [{ name: "t2i-adapter", order: 40 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_CONTROLNET,
    forge: A1111_CONTROLNET,
    sdnext: { folder: sdnextControl("adapter") },
    // folder_paths maps models/t2i_adapter onto the controlnet key; its first folder is models/controlnet.
    comfyui: { folder: comfy("controlnet") },
    swarmui: { folder: swarm("controlnet", "SDControlNetsFolder") },
    fooocus: NO_FOLDER,
    stabilitymatrix: { folder: sharedLibrary("T2IAdapter") },
  },
  // Civitai files T2I-Adapters under Controlnet.
  civitai: { types: [], alsoFiledAs: ["controlnet"] },
});
