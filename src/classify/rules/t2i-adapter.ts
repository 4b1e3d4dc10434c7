import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base } from "../types.js";

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

export const t2iAdapterRules: readonly Rule[] = [
  {
    id: "t2i-adapter",
    kind: "t2i-adapter",
    stage: "t2i-adapter",
    all: [{ key: "conv_in.weight" }, { key: "body.0.block1.weight" }],
    describe: byConvIn("conv_in.weight"),
  },
  {
    id: "t2i-adapter-light",
    kind: "t2i-adapter",
    stage: "t2i-adapter",
    all: [{ key: "body.0.in_conv.weight" }],
    describe: byConvIn("body.0.in_conv.weight"),
  },
  {
    id: "t2i-adapter-diffusers",
    kind: "t2i-adapter",
    stage: "t2i-adapter",
    any: [{ key: "adapter.body.0.resnets.0.block1.weight" }, { key: "adapter.conv_in.weight" }],
    describe: byConvIn("adapter.conv_in.weight"),
  },
];
