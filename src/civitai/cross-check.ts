import { CIVITAI_KINDS } from "../classify/kinds/index.js";
import type { Base, Classification, Kind } from "../classify/types.js";

/*
 * Civitai's `model.type` and `baseModel` are what the uploader picked, not what the weights are: they are a
 * cross-check only, never a placement input. Both enums grow without notice, so anything not listed here has no
 * opinion rather than a wrong one. Values: civitai/civitai `ModelType` and `baseModelSets`
 * (src/server/common/constants.ts); the type names each kind answers to are declared with the kind
 * (src/classify/kinds/<kind>.ts).
 */

/** Civitai `baseModel` prefixes, longest first, → sdmodels base. Pony / Illustrious / NoobAI are SDXL by weights. */
const BASE_PREFIXES: readonly (readonly [string, Base])[] = [
  ["sdxl refiner", "sdxl-refiner"],
  ["sd 1.", "sd1"],
  ["sd 2.", "sd2"],
  ["sdxl", "sdxl"],
  ["pony", "sdxl"],
  ["illustrious", "sdxl"],
  ["noobai", "sdxl"],
  ["sd 3", "sd3"],
  ["flux.2", "flux2"],
  ["flux.1", "flux"],
  ["chroma", "chroma"],
  ["pixart", "pixart"],
  ["stable cascade", "cascade"],
  ["auraflow", "auraflow"],
];

export function kindsForCivitaiType(type: string | undefined): readonly Kind[] | null {
  return type === undefined ? null : (CIVITAI_KINDS.get(type.toLowerCase()) ?? null);
}

export function baseForCivitaiBaseModel(baseModel: string | undefined): Base | null {
  const lower = baseModel?.toLowerCase();
  if (lower === undefined) return null;
  return BASE_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1] ?? null;
}

/**
 * Where Civitai's type or base contradicts the header classification, one sentence each, e.g.
 * `Civitai says LORA, the header says checkpoint`. An unknown header kind/base or an unmapped Civitai value is no
 * disagreement: there is nothing to contradict.
 */
export function civitaiDisagreements(civitai: { type?: string; baseModel?: string }, header: Classification): string[] {
  const out: string[] = [];
  const kinds = kindsForCivitaiType(civitai.type);
  if (kinds && header.kind !== "unknown" && !kinds.includes(header.kind)) {
    out.push(`Civitai says ${civitai.type}, the header says ${header.kind}`);
  }
  const base = baseForCivitaiBaseModel(civitai.baseModel);
  if (base && header.base !== "unknown" && base !== header.base) {
    out.push(`Civitai says ${civitai.baseModel} (${base}), the header says ${header.base}`);
  }
  return out;
}
