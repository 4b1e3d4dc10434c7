import { algorithmForLycorisName, writesLoraKeys } from "./lora-modules.js";
import type { Algorithm, Base, Classification } from "./types.js";
import { evidence } from "./vocabulary.js";

/**
 * What safetensors `__metadata__` states about a file. Only ever support for what the shapes say: merges and
 * converters copy metadata from their inputs and leave it stale.
 */
export interface MetadataClaims {
  base: { base: Base; source: string } | null;
  variant: { variant: string; source: string } | null;
  algorithm: { algorithm: Algorithm; source: string } | null;
}

/** `modelspec.architecture` prefixes (SAI ModelSpec, kohya sai_model_spec.py, OMI ids), most specific first. */
const ARCHITECTURE_BASES: readonly [string, Base][] = [
  ["stable-diffusion-xl-v1-refiner", "sdxl-refiner"],
  ["stable-diffusion-xl", "sdxl"],
  ["stable-diffusion-v1", "sd1"],
  ["stable-diffusion-v2", "sd2"],
  ["stable-diffusion-v3", "sd3"],
  ["stable-diffusion-3", "sd3"],
  ["flux-1", "flux"],
  ["flux.1", "flux"],
  ["flux-2", "flux2"],
  ["flux.2", "flux2"],
  ["chroma", "chroma"],
  ["pixart", "pixart"],
  ["stable-cascade", "cascade"],
  ["wuerstchen", "cascade"],
  ["auraflow", "auraflow"],
];

/** kohya `ss_base_model_version` prefixes (train_network.py); `sd_v1_v`/`sd_v2_v` also mean v-prediction. */
const SS_BASES: readonly [string, Base][] = [
  ["sdxl_refiner", "sdxl-refiner"],
  ["sdxl", "sdxl"],
  ["sd_v1", "sd1"],
  ["sd_v2", "sd2"],
  ["sd3", "sd3"],
  ["flux2", "flux2"],
  ["flux", "flux"],
  ["chroma", "chroma"],
  ["stable_cascade", "cascade"],
  ["pixart", "pixart"],
  ["auraflow", "auraflow"],
];

function byPrefix<T>(table: readonly [string, T][], value: string): T | undefined {
  return table.find(([prefix]) => value.startsWith(prefix))?.[1];
}

function parseArgs(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function readMetadata(metadata: Readonly<Record<string, string>> | null): MetadataClaims {
  const claims: MetadataClaims = { base: null, variant: null, algorithm: null };
  if (metadata === null) return claims;
  const architecture = metadata["modelspec.architecture"]?.toLowerCase();
  const ssBase = metadata.ss_base_model_version?.toLowerCase();

  const fromArchitecture = architecture === undefined ? undefined : byPrefix(ARCHITECTURE_BASES, architecture);
  const fromSs = ssBase === undefined ? undefined : byPrefix(SS_BASES, ssBase);
  if (fromArchitecture !== undefined)
    claims.base = { base: fromArchitecture, source: `modelspec.architecture ${architecture}` };
  else if (fromSs !== undefined) claims.base = { base: fromSs, source: `ss_base_model_version ${ssBase}` };
  else if (metadata.ss_v2 === "True") claims.base = { base: "sd2", source: "ss_v2 True" };

  if (metadata["modelspec.prediction_type"] === "v")
    claims.variant = { variant: "v-prediction", source: "modelspec.prediction_type v" };
  else if (metadata.ss_v_parameterization === "True")
    claims.variant = { variant: "v-prediction", source: "ss_v_parameterization True" };
  else if (architecture?.includes("-768-v"))
    claims.variant = { variant: "v-prediction", source: `modelspec.architecture ${architecture}` };
  else if (architecture?.includes("-inpainting"))
    claims.variant = { variant: "inpaint", source: `modelspec.architecture ${architecture}` };

  const args = parseArgs(metadata.ss_network_args);
  const algo = typeof args.algo === "string" ? algorithmForLycorisName(args.algo.toLowerCase()) : undefined;
  const module = metadata.ss_network_module;
  if (args.dora_wd === true || args.dora_wd === "True" || args.dora_wd === "true") {
    claims.algorithm = { algorithm: "dora", source: "ss_network_args dora_wd" };
  } else if (algo !== undefined) {
    claims.algorithm = { algorithm: algo, source: `ss_network_args algo ${String(args.algo)}` };
  } else if (module === "networks.oft") {
    claims.algorithm = { algorithm: "oft", source: `ss_network_module ${module}` };
  } else if (module?.startsWith("networks.")) {
    const conv = args.conv_dim !== undefined;
    claims.algorithm = {
      algorithm: conv ? "locon" : "lora",
      source: `ss_network_module ${module}${conv ? " + conv_dim" : ""}`,
    };
  }
  return claims;
}

/**
 * Folds metadata into a shape-based result: agreement and conflict become evidence, and metadata fills a base or
 * variant only where the shapes left it open (confidence then drops to medium: metadata only).
 */
export function applyMetadata(result: Classification, claims: MetadataClaims): void {
  const { base, variant, algorithm } = claims;
  if (base !== null) {
    if (result.base === "unknown") {
      result.base = base.base;
      result.evidence.push(evidence("metadata-base", `${base.source} → ${base.base} (metadata only)`));
      if (result.confidence === "high") result.confidence = "medium";
    } else if (result.base === base.base) {
      result.evidence.push(evidence("metadata-base", `${base.source} agrees`));
    } else if (result.base === "flux" && base.base === "chroma") {
      result.base = "chroma";
      result.evidence.push(evidence("metadata-base", `${base.source} → chroma (FLUX-shaped weights cannot show it)`));
    } else {
      result.evidence.push(
        evidence("metadata-base", `${base.source} says ${base.base}, shapes say ${result.base} (kept shapes)`),
      );
    }
  }
  if (variant !== null) {
    if (result.variant === null) {
      result.variant = variant.variant;
      result.evidence.push(evidence("metadata-variant", `${variant.source} → ${variant.variant}`));
    } else if (result.variant !== variant.variant) {
      result.evidence.push(
        evidence(
          "metadata-variant",
          `${variant.source} says ${variant.variant}, shapes say ${result.variant} (kept shapes)`,
        ),
      );
    }
  }
  if (algorithm !== null && result.kind === "lora" && result.algorithm !== null) {
    if (result.algorithm === algorithm.algorithm)
      result.evidence.push(evidence("metadata-algorithm", `${algorithm.source} agrees`));
    else if (!(writesLoraKeys(result.algorithm) && writesLoraKeys(algorithm.algorithm))) {
      result.evidence.push(
        evidence(
          "metadata-algorithm",
          `${algorithm.source} says ${algorithm.algorithm}, modules say ${result.algorithm} (kept modules)`,
        ),
      );
    }
  }
}
