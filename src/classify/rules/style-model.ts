import type { Rule } from "../rule.js";

export const styleModelRules: readonly Rule[] = [
  {
    id: "flux-redux",
    kind: "style-model",
    stage: "style-model",
    exactly: ["redux_down.bias", "redux_down.weight", "redux_up.bias", "redux_up.weight"],
    architecture: "flux-redux",
    describe: () => ({ base: "flux", evidence: ["FLUX Redux projection → flux"] }),
  },
  {
    // TencentARC T2I style adapter: ComfyUI loads it from `style_models`.
    id: "t2i-style",
    kind: "style-model",
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
