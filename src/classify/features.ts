import { analyzeLora, type LoraAnalysis } from "./lora-modules.js";
import type { NormalizedHeader } from "./normalize.js";

/** Facts a rule may require that are not a single key: computed once per header, on first use. */
export type FeatureName =
  | "lora-modules"
  | "unet-dominates-lora"
  | "hypernetwork-layers"
  | "few-small-tensors"
  | "lone-vector"
  | "lora-diffusion-list";

/** Textual-inversion files hold a handful of vectors; A1111/InvokeAI accept them as "< 10 tensors". */
const MAX_EMBEDDING_TENSORS = 8;

/** Token-embedding widths of the CLIP text encoders a lone "concept" vector can belong to (SD1 768, SD2 1024). */
const CONCEPT_WIDTHS: ReadonlySet<number> = new Set([768, 1024]);

const LDM_UNET_PREFIX = "model.diffusion_model.";

const loraCache = new WeakMap<NormalizedHeader, LoraAnalysis>();

export function loraAnalysis(header: NormalizedHeader): LoraAnalysis {
  let analysis = loraCache.get(header);
  if (analysis === undefined) {
    analysis = analyzeLora(header.index);
    loraCache.set(header, analysis);
  }
  return analysis;
}

/** `model.diffusion_model.` keys that are not LoRA parts outnumber the LoRA parts: a merge that kept LoRA keys. */
export function unetDominatesLora(header: NormalizedHeader): boolean {
  const unet = header.index.countPrefix(LDM_UNET_PREFIX);
  if (unet === 0) return false;
  const lora = loraAnalysis(header);
  const loraUnderUnet = lora.modules
    .filter((m) => m.name.startsWith(LDM_UNET_PREFIX))
    .reduce((n, m) => n + m.keyCount, 0);
  return unet - loraUnderUnet > lora.partKeys;
}

/**
 * The bare list: every root key an index, an even number of 2-D tensors, and each `up` `[out, r]` followed by its
 * `down` `[r, in]` with the same rank.
 */
function isLoraDiffusionList(header: NormalizedHeader): boolean {
  const { index } = header;
  const keys = index.keys();
  if (keys.length < 2 || keys.length % 2 !== 0 || !keys.every((k) => /^\d+$/.test(k))) return false;
  for (let i = 0; i < keys.length; i += 2) {
    const up = index.shape(String(i));
    const down = index.shape(String(i + 1));
    if (up?.length !== 2 || down?.length !== 2 || up[1] !== down[0]) return false;
  }
  return true;
}

export function hasFeature(header: NormalizedHeader, feature: FeatureName): boolean {
  switch (feature) {
    case "lora-modules":
      return loraAnalysis(header).modules.length > 0;
    case "unet-dominates-lora":
      return unetDominatesLora(header);
    case "lora-diffusion-list":
      return isLoraDiffusionList(header);
    case "hypernetwork-layers":
      return header.hypernetworkWidths.length > 0;
    case "lone-vector": {
      // diffusers learned_embeds.bin `{"<token>": [768]}` or `[n, 768]`: one tensor, any name.
      const [key] = header.index.keys();
      const shape = key === undefined || header.index.size !== 1 ? undefined : header.index.shape(key);
      return (
        shape !== undefined &&
        (shape.length === 1 || shape.length === 2) &&
        CONCEPT_WIDTHS.has(shape[shape.length - 1] ?? 0)
      );
    }
    case "few-small-tensors": {
      const { index } = header;
      if (index.size === 0 || index.size > MAX_EMBEDDING_TENSORS) return false;
      return index.keys().every((k) => {
        const rank = index.shape(k)?.length ?? 0;
        return rank === 1 || rank === 2;
      });
    }
  }
}
