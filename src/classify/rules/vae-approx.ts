import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

function byLatentChannels(key: string) {
  return (header: NormalizedHeader): Description => {
    const latent = header.index.dim(key, 1);
    // TAESD (SD1/SD2) and TAESDXL share a shape, as do TAESD3 and TAEF1.
    const family = latent === 4 ? "TAESD/TAESDXL" : latent === 16 ? "TAESD3/TAEF1" : `${latent ?? "?"} latent channels`;
    return { base: "unknown", evidence: [`${key} in-ch ${latent ?? "?"} → ${family}`] };
  };
}

export const vaeApproxRules: readonly Rule[] = [
  {
    // ComfyUI's combined form (comfy/taesd/taesd.py) and the separate decoder/encoder files.
    id: "taesd",
    kind: "vae-approx",
    stage: "vae",
    any: [{ prefix: "taesd_decoder." }, { prefix: "taesd_encoder." }],
    architecture: "taesd",
    describe: byLatentChannels("taesd_decoder.1.weight"),
  },
  {
    // madebyollin/taesd taesd_decoder.pth: Sequential(Clamp, conv(latent→64), ReLU, Block …)
    id: "taesd-decoder",
    kind: "vae-approx",
    stage: "vae",
    all: [{ key: "1.weight", shape: { rank: 4, dim: 1, oneOf: [4, 16] } }, { key: "3.conv.0.weight" }],
    architecture: "taesd",
    confidence: "medium",
    describe: byLatentChannels("1.weight"),
  },
  {
    id: "taesd-encoder",
    kind: "vae-approx",
    stage: "vae",
    all: [{ key: "0.weight", shape: { rank: 4, dim: 1, oneOf: [3] } }, { key: "1.conv.0.weight" }],
    architecture: "taesd",
    confidence: "medium",
    describe: () => ({ base: "unknown", evidence: ["TAESD encoder (conv 3 → 64)"] }),
  },
];
