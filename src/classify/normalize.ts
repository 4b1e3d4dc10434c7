import type { PlainValue, TensorInfo } from "../inspect/types.js";
import { KeyIndex } from "./key-index.js";
import { fromLlamaCppName, llamaCppNaming } from "./llama-cpp-names.js";

/** A file's tensors after the container wrappers are gone: what every rule looks at. */
export interface NormalizedHeader {
  index: KeyIndex;
  /** Wrapper segments or prefixes that were removed, in order, e.g. `["params_ema"]`, `["module."]`. */
  unwrapped: string[];
  /** Tensors kept out of the index: EMA copies, scheduler buffers, loss terms. */
  ignored: number;
  /** Root integer keys that hold hypernetwork layers (A1111 `{768: ({'linear.0.weight': …}, …)}`). */
  hypernetworkWidths: number[];
  /** Tensors in the file before normalisation. */
  total: number;
}

/**
 * Wrapper keys, first present wins: spandrel `canonicalize_state_dict` order
 * (chaiNNer-org/spandrel libs/spandrel/spandrel/__helpers/canonicalize.py), so `params_ema` beats `params`.
 */
const WRAPPERS = ["model_state_dict", "state_dict", "params_ema", "params-ema", "params", "model", "net"] as const;

/** Prefixes a training wrapper adds to every key (DataParallel `module.`, BasicSR GAN generator `netG.`). */
const COMMON_PREFIXES = ["module.", "netG."] as const;

/** Diffusion schedule buffers saved next to LDM weights; all `[1000]`, never part of a model's structure. */
const SCHEDULER_BUFFERS = new Set([
  "alphas_cumprod",
  "alphas_cumprod_prev",
  "betas",
  "log_one_minus_alphas_cumprod",
  "posterior_log_variance_clipped",
  "posterior_mean_coef1",
  "posterior_mean_coef2",
  "posterior_variance",
  "sqrt_alphas_cumprod",
  "sqrt_one_minus_alphas_cumprod",
  "sqrt_recip_alphas_cumprod",
  "sqrt_recipm1_alphas_cumprod",
  "denoiser.sigmas",
  "model.model_sampling.sigmas",
]);

/** A1111 hypernetwork layer names: `linear.N.weight` (modern) or NAI `linear1.weight`. */
const HYPERNETWORK_LAYER = /^linear(?:\.\d+|[12])\.(?:weight|bias)$/;

function isIgnored(name: string): boolean {
  // `model_ema.*` are SD1-era EMA copies with dots removed; A1111 sd_vae.py drops them and `loss*` keys.
  return name.startsWith("model_ema.") || name.startsWith("loss") || SCHEDULER_BUFFERS.has(name);
}

/** PEFT named adapters: `….lora_A.default.weight` → `….lora_A.weight` (InvokeAI normalize_peft_adapter_names). */
function dropPeftAdapterName(name: string): string {
  if (!name.includes(".default")) return name;
  return name.replace(/\.(lora_A|lora_B|lora_magnitude_vector)\.default(?=\.|$)/, ".$1");
}

export function normalizeTensors(
  tensors: readonly TensorInfo[],
  values: Readonly<Record<string, PlainValue>> = {},
): NormalizedHeader {
  const unwrapped: string[] = [];
  // How many leading path segments to drop: a wrapper dict, or a single nested dict.
  let kept: readonly TensorInfo[] = tensors;
  let depth = 0;
  const wrapper = WRAPPERS.find((w) => tensors.some((t) => t.path.length > 1 && t.path[0] === w));
  if (wrapper !== undefined) {
    kept = tensors.filter((t) => t.path.length > 1 && t.path[0] === wrapper);
    depth = 1;
    unwrapped.push(wrapper);
  } else {
    const nested = singleNestedRoot(tensors, values);
    if (nested !== null) {
      depth = 1;
      unwrapped.push(nested);
    }
  }

  // safetensors names are their own single-segment path; only pickles need a join.
  const names = kept.map((t) => {
    const path = t.path.length > 0 ? t.path : [t.name];
    return depth === 0 && path.length === 1 ? String(path[0]) : path.slice(depth).join(".");
  });
  const llamaCpp = llamaCppNaming(names);
  if (llamaCpp !== null) {
    for (let i = 0; i < names.length; i++) names[i] = fromLlamaCppName(names[i] as string, llamaCpp);
    unwrapped.push("llama.cpp names");
  }
  const common = COMMON_PREFIXES.find((prefix) => names.length > 0 && names.every((n) => n.startsWith(prefix)));
  if (common !== undefined) unwrapped.push(common);
  const cut = common?.length ?? 0;

  const shapes = new Map<string, readonly number[]>();
  const hypernetworkWidths = new Set<number>();
  let ignored = 0;
  kept.forEach((t, i) => {
    const name = dropPeftAdapterName(cut === 0 ? (names[i] as string) : (names[i] as string).slice(cut));
    if (isIgnored(name)) {
      ignored++;
      return;
    }
    shapes.set(name, t.shape);
    const root = t.path[depth];
    const leaf = t.path[t.path.length - 1];
    if (typeof root === "number" && typeof leaf === "string" && HYPERNETWORK_LAYER.test(leaf))
      hypernetworkWidths.add(root);
  });

  return {
    index: new KeyIndex(shapes),
    unwrapped,
    ignored,
    hypernetworkWidths: [...hypernetworkWidths].sort((a, b) => a - b),
    total: tensors.length,
  };
}

/**
 * ComfyUI `load_torch_file` unwraps a root dict with a single key whose value is a dict. Only tensors and plain values
 * are visible here, so "single key" means: every tensor sits under the same string root and no plain value lives
 * beside it (an A1111 embedding's `string_to_param` has `name`/`step` siblings and stays as it is).
 */
function singleNestedRoot(tensors: readonly TensorInfo[], values: Readonly<Record<string, PlainValue>>): string | null {
  const first = tensors[0]?.path[0];
  if (typeof first !== "string") return null;
  if (!tensors.every((t) => t.path.length > 1 && t.path[0] === first)) return null;
  const valueKeys = Object.keys(values);
  if (valueKeys.some((k) => k !== first && !k.startsWith(`${first}.`))) return null;
  return first;
}
