import { A1111_CONTROLNET, comfy, fooocus, NO_FOLDER, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { CROSS_ATTENTION_BASE } from "../base.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

/** Standard/full adapters read the image embedding (projection width): ViT-H 1024, ViT-bigG 1280, InsightFace 512. */
const ENCODER_BY_PROJECTION: ReadonlyMap<number, string> = new Map([
  [1024, "ViT-H"],
  [1280, "ViT-bigG"],
  [512, "InsightFace"],
]);
/** Plus adapters read the penultimate hidden states: ViT-H 1280, ViT-bigG 1664. */
const ENCODER_BY_HIDDEN: ReadonlyMap<number, string> = new Map([
  [1280, "ViT-H"],
  [1664, "ViT-bigG"],
]);

function describeIpAdapter(header: NormalizedHeader): Description {
  const { index } = header;
  const evidence: string[] = [];
  // The first IP attention of SDXL is 640 wide ([640, 2048]); the in-width is the UNet's cross-attention width.
  const width = index.dim("ip_adapter.1.to_k_ip.weight", 1);
  const base = width === undefined ? "unknown" : (CROSS_ATTENTION_BASE.get(width) ?? "unknown");
  evidence.push(
    width === undefined ? "no ip_adapter.1.to_k_ip.weight" : `ip_adapter.1.to_k_ip in-dim ${width} → ${base}`,
  );

  let architecture = "ip-adapter";
  let encoderWidth: number | undefined;
  let encoders = ENCODER_BY_PROJECTION;
  if (index.has("image_proj.latents")) {
    architecture = "ip-adapter-plus";
    encoders = ENCODER_BY_HIDDEN;
    encoderWidth = index.dim("image_proj.proj_in.weight", 1);
  } else if (
    index.has("image_proj.perceiver_resampler.proj_in.weight") ||
    index.hasPrefix("image_proj.perceiver_resampler.")
  ) {
    architecture = "ip-adapter-faceid-plus";
    encoderWidth = index.dim("image_proj.proj.0.weight", 1);
  } else if (index.has("image_proj.proj.0.weight")) {
    encoderWidth = index.dim("image_proj.proj.0.weight", 1);
    architecture = encoderWidth === 512 ? "ip-adapter-faceid" : "ip-adapter-full";
  } else {
    encoderWidth = index.dim("image_proj.proj.weight", 1);
  }
  const encoder = encoderWidth === undefined ? undefined : encoders.get(encoderWidth);
  if (encoder !== undefined) evidence.push(`image projection in-dim ${encoderWidth} → needs ${encoder} image encoder`);
  return { base, architecture, evidence, ...(base === "unknown" ? { confidence: "medium" as const } : {}) };
}

const rules: readonly Rule[] = [
  {
    id: "ip-adapter",
    stage: "ip-adapter",
    all: [{ prefix: "image_proj." }, { prefix: "ip_adapter." }],
    describe: describeIpAdapter,
  },
  {
    // XLabs FLUX IP-Adapter (InvokeAI ip_adapter state-dict check)
    id: "ip-adapter-flux-xlabs",
    stage: "ip-adapter",
    all: [
      { key: "double_blocks.0.processor.ip_adapter_double_stream_k_proj.weight" },
      { prefix: "ip_adapter_proj_model." },
    ],
    describe: () => ({ base: "flux", evidence: ["XLabs double-stream IP projections → flux"] }),
  },
];

export const ipAdapter = defineKind({
  name: "ip-adapter",
  // `image_proj.` + `ip_adapter.`: the FaceID variants carry LoRA pairs, so before the LoRA family.
  stages: [{ name: "ip-adapter", order: 60 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_CONTROLNET,
    forge: A1111_CONTROLNET,
    // SD.Next fetches IP-Adapters and CLIP vision encoders into the Hugging Face cache itself.
    sdnext: NO_FOLDER,
    comfyui: {
      folder: comfy("ipadapter", {
        warning: "ComfyUI loads IP-Adapters through the ComfyUI_IPAdapter_plus custom node",
      }),
    },
    swarmui: { folder: swarm("ipadapter") },
    fooocus: {
      folder: fooocus("controlnet", "path_controlnet", {
        warning: "Fooocus loads only its own IP-Adapter files, by name",
      }),
    },
    stabilitymatrix: { folder: sharedLibrary("IpAdapter") },
  },
  // Civitai files IP-Adapters under Controlnet.
  civitai: { types: [], alsoFiledAs: ["controlnet"] },
});
