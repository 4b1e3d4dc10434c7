import {
  comfy,
  folder,
  fooocus,
  type KindLayout,
  SAFETENSORS_OR_PICKLE,
  sharedLibrary,
  swarm,
} from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, KeyTest, Rule } from "../rule.js";
import type { Base } from "../vocabulary.js";

/** A VAE alone may keep the prefix it had inside a checkpoint (A1111 and InvokeAI accept both). */
const VAE_PREFIXES = ["", "first_stage_model.", "vae."] as const;

function vaePrefix(header: NormalizedHeader): string {
  return (
    VAE_PREFIXES.find(
      (p) => header.index.has(`${p}decoder.conv_in.weight`) || header.index.has(`${p}encoder.conv_in.weight`),
    ) ?? ""
  );
}

function describeVae(header: NormalizedHeader): Description {
  const { index } = header;
  const prefix = vaePrefix(header);
  const evidence: string[] = [];
  const layout =
    index.hasPrefix(`${prefix}encoder.down_blocks.`) || index.hasPrefix(`${prefix}decoder.up_blocks.`)
      ? "diffusers"
      : "ldm";
  evidence.push(`${layout} VAE names${prefix ? ` under ${prefix}` : ""}`);
  const decoderIn = index.shape(`${prefix}decoder.conv_in.weight`);
  // Without a decoder, the encoder's output holds mean and log-variance: 2 × latent channels.
  const encoderOut = index.dim(`${prefix}encoder.conv_out.weight`, 0);
  const latent = decoderIn?.[1] ?? (encoderOut === undefined ? undefined : encoderOut / 2);
  const architecture =
    decoderIn?.length === 5 ? "video" : index.has(`${prefix}decoder.mid.block_1.mix_factor`) ? "svd-temporal" : null;
  if (architecture === "video") evidence.push("5-D decoder.conv_in → video VAE");
  if (architecture === "svd-temporal") evidence.push("decoder.mid.block_1.mix_factor → SVD temporal decoder");
  switch (latent) {
    case 4:
      evidence.push("4 latent channels: SD1, SD2 and SDXL VAEs have identical keys and shapes");
      return { base: "unknown", architecture, evidence };
    case 16:
      evidence.push("16 latent channels: SD3 and FLUX.1 VAEs have identical keys and shapes");
      return { base: "unknown", architecture, evidence };
    case 32:
      evidence.push(
        `32 latent channels → flux2${index.has(`${prefix}bn.running_mean`) ? " (bn.running_mean agrees)" : ""}`,
      );
      return { base: "flux2", architecture, evidence };
    default:
      evidence.push(`${latent ?? "?"} latent channels: no known base`);
      return {
        base: "unknown",
        architecture,
        evidence,
        ...(architecture === null ? { confidence: "medium" as const } : {}),
      };
  }
}

/**
 * Wan's causal 3-D VAE (Wan-Video `wan/modules/vae2_1.py`, `vae2_2.py`): `conv1`/`conv2` instead of `conv_in`, 5-D
 * kernels. 16 latent channels is Wan 2.1's, which Qwen-Image uses fine-tuned with the same shapes; 48 is Wan 2.2's.
 */
function describeWanVae(header: NormalizedHeader): Description {
  const latent = header.index.dim("decoder.conv1.weight", 1);
  if (latent === 48)
    return { base: "wan", architecture: "wan2.2-vae", evidence: ["decoder.conv1 in-ch 48 → Wan 2.2 VAE"] };
  const evidence = [
    `decoder.conv1 in-ch ${latent ?? "?"}` +
      `${latent === 16 ? ": Wan 2.1 and Qwen-Image VAEs have identical keys and shapes" : ""}`,
  ];
  return { base: "unknown", architecture: "wan-vae", evidence };
}

/** Video VAEs whose causal convs wrap a `conv` (diffusers AutoencoderKLHunyuanVideo / AutoencoderKLLTXVideo). */
const CAUSAL_VIDEO_LATENT: ReadonlyMap<number, Base> = new Map<number, Base>([
  [16, "hunyuan-video"],
  [128, "ltxv"],
]);

function describeCausalVideoVae(header: NormalizedHeader): Description {
  const latent = header.index.dim("decoder.conv_in.conv.weight", 1);
  const base = latent === undefined ? undefined : CAUSAL_VIDEO_LATENT.get(latent);
  return {
    base: base ?? "unknown",
    architecture: "video",
    evidence: [`decoder.conv_in.conv in-ch ${latent ?? "?"} → ${base ?? "no known base"}`],
  };
}

const rules: readonly Rule[] = [
  {
    id: "vae-wan",
    stage: "vae",
    all: [
      { key: "decoder.conv1.weight", shape: { rank: 5 } },
      { key: "encoder.conv1.weight", shape: { rank: 5 } },
    ],
    describe: describeWanVae,
  },
  {
    id: "vae-causal-video",
    stage: "vae",
    all: [{ key: "decoder.conv_in.conv.weight", shape: { rank: 5 } }],
    describe: describeCausalVideoVae,
  },
  {
    id: "vae",
    stage: "vae",
    any: VAE_PREFIXES.flatMap((p): KeyTest[] => [
      { key: `${p}decoder.conv_in.weight` },
      { key: `${p}encoder.conv_in.weight` },
    ]),
    // VQ face restorers (RestoreFormer, CodeFormer) share the LDM encoder names plus a codebook.
    none: [{ key: "quantize.embedding.weight" }],
    describe: describeVae,
  },
  {
    id: "vae-cascade-stage-a",
    stage: "vae",
    all: [{ key: "vquantizer.codebook.weight" }],
    architecture: "stage-a",
    describe: () => ({ base: "cascade", evidence: ["vquantizer.codebook → Stable Cascade stage A"] }),
  },
];

/** Where A1111, Forge and SD.Next load a VAE. */
const A1111_VAE: KindLayout = { folder: folder("VAE", SAFETENSORS_OR_PICKLE, { setting: "vae_dir" }) };

export const vae = defineKind({
  name: "vae",
  // After checkpoints, which contain a VAE.
  stages: [{ name: "vae", order: 100 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_VAE,
    forge: A1111_VAE,
    sdnext: A1111_VAE,
    comfyui: { folder: comfy("vae") },
    swarmui: { folder: swarm("VAE", "SDVAEFolder") },
    fooocus: { folder: fooocus("vae", "path_vae") },
    stabilitymatrix: { folder: sharedLibrary("VAE") },
  },
  civitai: { types: ["vae"] },
});
