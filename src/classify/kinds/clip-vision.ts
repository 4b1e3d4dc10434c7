import { ANY_BASE, comfy, folder, fooocus, NO_FOLDER, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

/** What the encoder is used for, so a user knows which adapter it feeds. */
const USED_FOR: Readonly<Record<string, string>> = {
  "vit-h": "ViT-H/14 image encoder (IP-Adapter SD1.5, SDXL plus-vit-h)",
  "vit-bigg": "ViT-bigG/14 image encoder (IP-Adapter SDXL)",
  "vit-l": "ViT-L/14 image encoder",
  "vit-l-336": "ViT-L/14-336 image encoder",
  siglip: "SigLIP image encoder (FLUX Redux)",
};

function describeVision(architecture: string) {
  return (header: NormalizedHeader): Description => {
    const { index } = header;
    const positions = index.dim("vision_model.embeddings.position_embedding.weight", 0);
    const width = index.dim("vision_model.embeddings.position_embedding.weight", 1);
    let arch = architecture;
    // ViT-L/14 at 336 px has 24² + 1 = 577 positions (ComfyUI clip_vision.py).
    if (arch === "vit-l" && positions === 577) arch = "vit-l-336";
    const evidence = [USED_FOR[arch] ?? arch];
    if (width !== undefined) evidence.push(`width ${width}, ${positions} positions`);
    if (index.hasPrefix("text_model.")) evidence.push("text tower present too (full CLIP model)");
    return { base: "unknown", architecture: arch, evidence };
  };
}

function visionRule(architecture: string, key: string): Rule {
  return {
    id: architecture,
    stage: "clip-vision",
    all: [{ key }],
    architecture,
    describe: describeVision(architecture),
  };
}

const OPENCLIP_WIDTH: ReadonlyMap<number, string> = new Map([
  [1024, "vit-l"],
  [1280, "vit-h"],
  [1664, "vit-bigg"],
]);

// ComfyUI comfy/clip_vision.py load order: deepest towers first (every ViT has layer 22).
const rules: readonly Rule[] = [
  visionRule("vit-bigg", "vision_model.encoder.layers.47.layer_norm1.weight"),
  visionRule("vit-h", "vision_model.encoder.layers.30.layer_norm1.weight"),
  {
    // SigLIP so400m: width 1152, 27 layers, attention-pooling head
    id: "siglip",
    stage: "clip-vision",
    any: [
      { key: "vision_model.head.probe" },
      { key: "vision_model.embeddings.position_embedding.weight", shape: { dim: 1, oneOf: [1152] } },
    ],
    architecture: "siglip",
    describe: describeVision("siglip"),
  },
  visionRule("vit-l", "vision_model.encoder.layers.22.layer_norm1.weight"),
  {
    id: "openclip-visual",
    stage: "clip-vision",
    all: [{ key: "visual.transformer.resblocks.0.attn.in_proj_weight" }],
    describe: (header) => {
      const width = header.index.dim("visual.conv1.weight", 0);
      const architecture = width === undefined ? null : (OPENCLIP_WIDTH.get(width) ?? null);
      return {
        base: "unknown",
        architecture,
        evidence: [`OpenCLIP visual width ${width ?? "?"}${architecture ? ` → ${architecture}` : ""}`],
        ...(architecture === null ? { confidence: "medium" as const } : {}),
      };
    },
  },
];

const CLIP_VISION_EXTENSIONS = [".safetensors", ".pth", ".bin"];

export const clipVision = defineKind({
  name: "clip-vision",
  // After the text encoders, which leave a full CLIPModel (text + vision) to this stage.
  stages: [{ name: "clip-vision", order: 120 }],
  rules,
  baseBearing: false,
  folders: {
    a1111: {
      folder: folder("extensions/sd-webui-controlnet/annotator/clip_vision", CLIP_VISION_EXTENSIONS, {
        under: "data",
        baseSpecific: false,
        warning: "sd-webui-controlnet looks for CLIP vision files by name (clip_h.pth, clip_g.pth, …)",
      }),
    },
    forge: {
      folder: folder("ControlNetPreprocessor/clip_vision", CLIP_VISION_EXTENSIONS, {
        baseSpecific: false,
        setting: "controlnet_preprocessor_models_dir",
        within: "clip_vision",
      }),
    },
    // SD.Next fetches CLIP vision encoders into the Hugging Face cache itself.
    sdnext: NO_FOLDER,
    comfyui: { folder: comfy("clip_vision", ANY_BASE) },
    swarmui: { folder: swarm("clip_vision", "SDClipVisionFolder", ANY_BASE) },
    fooocus: { folder: fooocus("clip_vision", "path_clip_vision", ANY_BASE) },
    stabilitymatrix: { folder: sharedLibrary("ClipVision", ANY_BASE) },
  },
  civitai: { types: ["clipvision"] },
});
