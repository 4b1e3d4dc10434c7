import { comfy, NO_FOLDER, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { Rule } from "../rule.js";

const rules: readonly Rule[] = [
  {
    id: "flux-redux",
    stage: "style-model",
    exactly: ["redux_down.bias", "redux_down.weight", "redux_up.bias", "redux_up.weight"],
    architecture: "flux-redux",
    describe: () => ({ base: "flux", evidence: ["FLUX Redux projection → flux"] }),
  },
  {
    // TencentARC T2I style adapter: ComfyUI loads it from `style_models`.
    id: "t2i-style",
    stage: "style-model",
    all: [{ key: "style_embedding" }],
    architecture: "t2i-style",
    describe: (header) => {
      const width = header.index.dim("style_embedding", 2) ?? header.index.dim("style_embedding", 1);
      return width === 768
        ? { base: "sd1", evidence: ["style_embedding width 768 → sd1"] }
        : { base: "unknown", confidence: "medium", evidence: [`style_embedding width ${width ?? "?"}`] };
    },
  },
];

export const styleModel = defineKind({
  name: "style-model",
  // FLUX Redux / T2I style: before the LoRA family and the generic tensor guards.
  stages: [{ name: "style-model", order: 70 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: NO_FOLDER,
    forge: NO_FOLDER,
    sdnext: NO_FOLDER,
    comfyui: { folder: comfy("style_models") },
    swarmui: { folder: swarm("style_models") },
    fooocus: NO_FOLDER,
    stabilitymatrix: { folder: sharedLibrary("StyleModels") },
  },
  civitai: { types: [] },
});
