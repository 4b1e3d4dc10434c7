import { comfy, folder, fooocus, type KindLayout, NO_FOLDER, sharedLibrary } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base } from "../vocabulary.js";

/**
 * TAESD latent channels → base (madebyollin/taesd `taesd.py`). 4 (TAESD for SD1/SD2, TAESDXL) and 16 (TAESD3, TAEF1)
 * are each shared by two model families with identical shapes; 32 is FLUX.2 (TAEF2, whose blocks add a GroupNorm
 * "pool" branch) or Sana (TAESana, the 32× "F32" variant).
 */
function taesdBase(latent: number | undefined, header: NormalizedHeader, prefix: string): { base: Base; fact: string } {
  if (latent === 4) return { base: "unknown", fact: "TAESD/TAESDXL (identical shapes)" };
  if (latent === 16) return { base: "unknown", fact: "TAESD3/TAEF1 (identical shapes)" };
  if (latent === 32) {
    const { index } = header;
    if (index.keys().some((k) => k.startsWith(prefix) && k.includes(".pool.")))
      return { base: "flux2", fact: "TAEF2 (mid-block GroupNorm pool)" };
    return { base: "sana", fact: "TAESana (32× spatial, F32 layout)" };
  }
  return { base: "unknown", fact: `${latent ?? "?"} latent channels` };
}

function byLatentChannels(key: string, prefix: string) {
  return (header: NormalizedHeader): Description => {
    const latent = header.index.dim(key, 1);
    const { base, fact } = taesdBase(latent, header, prefix);
    return { base, evidence: [`${key} in-ch ${latent ?? "?"} → ${fact}`] };
  };
}

/** Encoders end in a conv to the latent channels; the last numbered conv of the Sequential holds it. */
function encoderLatent(prefix: string) {
  return (header: NormalizedHeader): Description => {
    const { index } = header;
    let last = -1;
    for (const key of index.withPrefix(prefix)) {
      const match = /^(\d+)\.weight$/.exec(key.slice(prefix.length));
      if (match !== null && Number(match[1]) > last) last = Number(match[1]);
    }
    const latent = last < 0 ? undefined : index.dim(`${prefix}${last}.weight`, 0);
    const { base, fact } = taesdBase(latent, header, prefix);
    return { base, evidence: [`encoder out ${latent ?? "?"} latent channels → ${fact}`] };
  };
}

/**
 * AUTOMATIC1111's own approximate decoder (`modules/sd_vae_approx.py` `VAEApprox`): eight plain convs, latent → 8 →
 * 16 → 32 → 64 → 32 → 16 → 8 → 3. It ships `model.pt` (SD1) and downloads `vaeapprox-sdxl.pt` (SDXL, same
 * shapes) and `vaeapprox-sd3.pt` (16 latent channels, also used for FLUX.1 by Forge).
 */
function describeA1111Approx(header: NormalizedHeader): Description {
  const latent = header.index.dim("conv1.weight", 1);
  if (latent === 16) return { base: "sd3", evidence: ["conv1 in-ch 16 → vaeapprox-sd3.pt (SD3)"] };
  if (latent === 4)
    return {
      base: "unknown",
      evidence: ["conv1 in-ch 4: model.pt (SD1) and vaeapprox-sdxl.pt (SDXL) have identical shapes"],
    };
  return { base: "unknown", evidence: [`conv1 in-ch ${latent ?? "?"}: no A1111 approximation uses it`] };
}

const A1111_APPROX_CONVS = ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7", "conv8"] as const;

const rules: readonly Rule[] = [
  {
    // ComfyUI's combined form (comfy/taesd/taesd.py) and the separate decoder/encoder files.
    id: "taesd",
    stage: "vae-approx",
    any: [{ prefix: "taesd_decoder." }, { prefix: "taesd_encoder." }],
    architecture: "taesd",
    describe: byLatentChannels("taesd_decoder.1.weight", "taesd_decoder."),
  },
  {
    // madebyollin/taesd taesd_decoder.pth: Sequential(Clamp, conv(latent→64), ReLU, Block …); F32 (Sana) widens to 256
    id: "taesd-decoder",
    stage: "vae-approx",
    all: [{ key: "1.weight", shape: { rank: 4, dim: 1, oneOf: [4, 16, 32] } }, { key: "3.conv.0.weight" }],
    architecture: "taesd",
    confidence: "medium",
    describe: byLatentChannels("1.weight", ""),
  },
  {
    id: "taesd-encoder",
    stage: "vae-approx",
    all: [{ key: "0.weight", shape: { rank: 4, dim: 1, oneOf: [3] } }, { key: "1.conv.0.weight" }],
    architecture: "taesd",
    confidence: "medium",
    describe: encoderLatent(""),
  },
  {
    // F32Encoder (TAESana): conv(3→32, stride 2), ReLU, conv(32→64, stride 2), ReLU, Block …
    id: "taesd-f32-encoder",
    stage: "vae-approx",
    all: [
      { key: "0.weight", shape: { rank: 4, dim: 1, oneOf: [3] } },
      { key: "2.weight", shape: { rank: 4, dim: 1, oneOf: [32] } },
      { key: "4.conv.0.weight" },
    ],
    architecture: "taesd",
    confidence: "medium",
    describe: encoderLatent(""),
  },
  {
    id: "a1111-vae-approx",
    stage: "vae-approx",
    all: [
      ...A1111_APPROX_CONVS.map((c) => ({ key: `${c}.weight` })),
      { key: "conv8.weight", shape: { rank: 4, dim: 0, oneOf: [3] } },
    ],
    none: [{ key: "conv9.weight" }],
    architecture: "a1111-vae-approx",
    describe: describeA1111Approx,
  },
];

const APPROX_EXTENSIONS = [".pt", ".pth", ".safetensors"];
const A1111_APPROX: KindLayout = {
  folder: folder("VAE-approx", APPROX_EXTENSIONS, {
    warning:
      "A1111 loads VAE-approx/TAESD files only under their built-in names " +
      "(model.pt, vaeapprox-sdxl.pt, taesd_decoder.pth, …)",
  }),
};

export const vaeApprox = defineKind({
  name: "vae-approx",
  // After the full VAEs, whose rules come first for the same encoder/decoder names.
  stages: [{ name: "vae-approx", order: 105 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_APPROX,
    forge: A1111_APPROX,
    sdnext: { folder: folder("VAE-approx", APPROX_EXTENSIONS) },
    comfyui: { folder: comfy("vae_approx") },
    swarmui: NO_FOLDER,
    fooocus: {
      folder: fooocus("vae_approx", "path_vae_approx", {
        warning: "Fooocus loads VAE-approx files only under its own names (xlvaeapp.pth, vaeapp_sd15.pth)",
      }),
    },
    stabilitymatrix: { folder: sharedLibrary("ApproxVAE") },
  },
  civitai: { types: [], alsoFiledAs: ["vae"] },
});
