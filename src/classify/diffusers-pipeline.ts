import type { DiffusersInfo } from "../inspect/types.js";
import type { Base, Classification } from "./types.js";
import { evidence } from "./vocabulary.js";

export type { DiffusersInfo };

/**
 * Pipeline class → base. Every class of a family shares the base (`StableDiffusionXLInpaintPipeline` is SDXL);
 * the longest matching prefix wins, so `StableDiffusionXL…` is not taken for `StableDiffusion…`.
 */
const PIPELINE_BASES: readonly (readonly [string, Base])[] = [
  ["StableDiffusionXL", "sdxl"],
  ["StableDiffusion3", "sd3"],
  ["StableDiffusion", "sd1"],
  ["Flux2", "flux2"],
  ["Flux", "flux"],
  ["Chroma", "chroma"],
  ["PixArt", "pixart"],
  ["AuraFlow", "auraflow"],
  ["StableCascade", "cascade"],
];

/** UNet cross-attention width → base, as for single-file checkpoints. */
const SD_WIDTHS: Readonly<Record<number, Base>> = { 768: "sd1", 1024: "sd2", 2048: "sdxl", 1280: "sdxl-refiner" };

/** In-channels of variants whose UNet is widened. */
const VARIANTS: Readonly<Record<number, string>> = { 9: "inpaint", 8: "instruct-pix2pix", 5: "depth" };

/**
 * A diffusers folder is one model: a whole pipeline, placed as a checkpoint (it brings its text encoders and VAE).
 * Pure: decided from the pipeline class and the UNet config, never from names of files or folders.
 */
export function classifyDiffusersFolder(info: DiffusersInfo): Classification {
  const facts: string[] = [];
  const pipeline = info.pipeline ?? "";
  const family = PIPELINE_BASES.find(([prefix]) => pipeline.startsWith(prefix));
  let base: Base = family?.[1] ?? "unknown";
  facts.push(
    `model_index.json _class_name ${pipeline || "(none)"} → ` +
      `${family ? `diffusers pipeline · ${base}` : "diffusers pipeline of an unknown family"}`,
  );
  const width = info.unet?.crossAttentionDim ?? null;
  const fromWidth = width === null ? undefined : SD_WIDTHS[width];
  if ((base === "sd1" || base === "sdxl") && fromWidth !== undefined && fromWidth !== base) {
    facts.push(`unet/config.json cross_attention_dim ${width} → ${fromWidth}`);
    base = fromWidth;
  }
  const variant = info.unet?.inChannels == null ? null : (VARIANTS[info.unet.inChannels] ?? null);
  if (variant) facts.push(`unet/config.json in_channels ${info.unet?.inChannels} → ${variant}`);
  const present = Object.entries(info.components)
    .filter(([, v]) => v !== null)
    .map(([k]) => k);
  if (present.length > 0) facts.push(`components: ${present.join(", ")}`);
  return {
    kind: family || pipeline.endsWith("Pipeline") ? "checkpoint" : "unknown",
    algorithm: null,
    base,
    variant,
    architecture: "diffusers",
    confidence: family ? "high" : "low",
    evidence: facts.map((text) => evidence("diffusers-pipeline", text)),
  };
}
