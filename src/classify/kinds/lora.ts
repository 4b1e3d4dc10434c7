import { comfy, folder, fooocus, SAFETENSORS_OR_PICKLE, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { loraAnalysis } from "../features.js";
import { defineKind } from "../kind-declaration.js";
import { loraBase } from "../lora-base.js";
import { algorithmProof, type LoraModule } from "../lora-modules.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base, LoraFormat } from "../vocabulary.js";

/** AnimateDiff motion LoRAs adapt only temporal layers; ComfyUI keeps them apart from image LoRAs. */
const MOTION_MODULE = /(?:^|[._])motion_modules[._]/;

/** kohya/LyCORIS module prefixes, the only ones A1111's Lora extension maps onto its layers. */
const KOHYA_MODULE = /^(?:lora_unet_|lora_te\d?_)/;
const DIFFUSERS_MODULE = /^(?:unet|text_encoder(?:_2)?|transformer)\./;

/** How the file names its modules (see LoraFormat): what decides which UI applies it. */
export function loraFormat(modules: readonly LoraModule[]): LoraFormat {
  if (modules.length > 0 && modules.every((m) => KOHYA_MODULE.test(m.name))) return "kohya";
  if (modules.some((m) => m.name.includes(".processor."))) return "diffusers-attn-processor";
  if (modules.some((m) => m.name.startsWith("base_model.model."))) return "peft";
  if (modules.some((m) => DIFFUSERS_MODULE.test(m.name))) return "diffusers";
  return "native";
}

function describeLora(header: NormalizedHeader): Description {
  const analysis = loraAnalysis(header);
  const algorithm = analysis.algorithm ?? "lora";
  const evidence = [`${algorithmProof(algorithm)} in ${analysis.counts.get(algorithm) ?? 0} modules → ${algorithm}`];
  const others = [...analysis.counts].filter(([a]) => a !== algorithm).map(([a, n]) => `${n} ${a}`);
  if (others.length > 0) evidence.push(`also ${others.join(", ")} modules`);
  if (analysis.incomplete > 0) evidence.push(`${analysis.incomplete} incomplete module groups ignored`);

  const base = loraBase(analysis.modules);
  evidence.push(...base.evidence);
  const bundled = header.index.countPrefix("bundle_emb.");
  if (bundled > 0) evidence.push(`${bundled} bundled embedding tensors (bundle_emb.*)`);
  const imgIn = header.index.shape("img_in.lora_A.weight");
  if (imgIn?.[1] === 128) evidence.push("img_in.lora_A in-dim 128 → FLUX Control LoRA");
  const motion = analysis.modules.some((m) => MOTION_MODULE.test(m.name));
  const format = loraFormat(analysis.modules);
  evidence.push(`module names → ${format} format`);
  return {
    base: base.base,
    algorithm,
    loraFormat: format,
    architecture: motion ? "motion-lora" : null,
    evidence,
    ...(base.strength === "none" ? { confidence: "medium" as const } : {}),
  };
}

/**
 * cloneofsimo/lora (`lora_diffusion/lora.py`): `save_safeloras` writes `unet:N:up` / `unet:N:down` (and
 * `text_encoder:N:…`) with the rank in metadata; `save_lora_weight` pickles a bare list `[up0, down0, up1, …]`.
 * Neither names the layers it adapts, so no UI can apply them without the training code's module order.
 */
const LORA_DIFFUSION_KEY = /^(?:unet|text_encoder):\d+:(?:up|down)$/;

/**
 * Cross-attention context widths that are not also UNet channel counts: CROSS_ATTENTION_BASE without the refiner's
 * 1280, which every SD UNet's third level has as its own width. Without layer names, only these can tell the base.
 */
const CONTEXT_WIDTH_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [768, "sd1"],
  [1024, "sd2"],
  [2048, "sdxl"],
]);

/** `down` weights are `[rank, in]`; one whose input is a text-encoder width tells the base. */
function describeLoraDiffusion(header: NormalizedHeader): Description {
  const { index } = header;
  const downs = index.keys().filter((k) => /(?:^|:)down$/.test(k) || isListDown(header, k));
  const widths = new Set(downs.map((k) => index.dim(k, 1)));
  const context = [...CONTEXT_WIDTH_BASE].find(([width]) => widths.has(width));
  const evidence = [
    `${downs.length} up/down pairs without layer names (cloneofsimo/lora lora_diffusion)`,
    "no UI applies this format: it needs converting to named (kohya or diffusers) keys first",
  ];
  if (context !== undefined) evidence.push(`a down in-dim ${context[0]} (cross-attention context) → ${context[1]}`);
  return {
    base: context?.[1] ?? "unknown",
    algorithm: "lora",
    loraFormat: "lora-diffusion",
    architecture: "lora-diffusion",
    evidence,
    ...(context === undefined ? { confidence: "medium" as const } : {}),
  };
}

/** In the bare-list form, odd positions hold the `down` weights. */
function isListDown(header: NormalizedHeader, key: string): boolean {
  return /^\d+$/.test(key) && Number(key) % 2 === 1 && header.index.shape(key)?.length === 2;
}

const rules: readonly Rule[] = [
  {
    id: "lora-diffusion",
    stage: "lora",
    any: [
      { pattern: LORA_DIFFUSION_KEY, under: "unet:" },
      { pattern: LORA_DIFFUSION_KEY, under: "text_encoder:" },
      { feature: "lora-diffusion-list" },
    ],
    describe: describeLoraDiffusion,
  },
  {
    id: "lora",
    stage: "lora",
    all: [{ feature: "lora-modules" }],
    none: [{ feature: "unet-dominates-lora" }],
    describe: describeLora,
  },
];

export const lora = defineKind({
  name: "lora",
  // Complete module groups, after the adapters that carry LoRA-like pairs (control-LoRA, LLLite, IP-Adapter FaceID).
  stages: [{ name: "lora", order: 80 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: {
      folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }),
      // A1111 1.5.0 merged LyCORIS into the built-in Lora extension; models/LyCORIS is still scanned for back-compat.
      lycoris: folder("LyCORIS", SAFETENSORS_OR_PICKLE, { setting: "lyco_dir_backcompat" }),
    },
    // sd_forge_lora walks lora_dir only: no LyCORIS routing.
    forge: { folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }) },
    sdnext: { folder: folder("Lora", SAFETENSORS_OR_PICKLE, { setting: "lora_dir" }) },
    comfyui: { folder: comfy("loras") },
    swarmui: { folder: swarm("Lora", "SDLoraFolder") },
    fooocus: { folder: fooocus("loras", "path_loras") },
    stabilitymatrix: { folder: sharedLibrary("Lora"), lycoris: sharedLibrary("LyCORIS") },
  },
  civitai: { types: ["lora", "locon", "dora", "lycoris"] },
});
