import { DIFFUSERS_UNET, DIT_MARKERS, describeDiffusion, LDM_UNET } from "../base.js";
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
      kind: "diffusion-model",
      stage: "bare-diffusion-model",
      any: DIT_MARKERS.map((m) => ({ key: `${prefix}${m.key}` })),
      describe,
    },
    {
      id: `unet-ldm${suffix}`,
      kind: "diffusion-model",
      stage: "bare-diffusion-model",
      all: [{ key: `${prefix}${LDM_UNET.inputConv}` }, { key: `${prefix}out.2.weight` }],
      describe,
    },
    {
      // ComfyUI requires conv_in.weight for a diffusers UNet; down/up blocks tell it from other convnets.
      id: `unet-diffusers${suffix}`,
      kind: "diffusion-model",
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

export const diffusionModelRules: readonly Rule[] = [
  {
    // The LDM prefix without text encoder or VAE: a "checkpoint" that is really a diffusion model.
    id: "diffusion-model-ldm",
    kind: "diffusion-model",
    stage: "checkpoint",
    all: [{ prefix: "model.diffusion_model." }],
    describe: (header) => describeDiffusion(header.index, "model.diffusion_model."),
  },
  ...BARE_PREFIXES.flatMap(bareRules),
];
