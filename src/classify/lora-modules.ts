import type { KeyIndex } from "./key-index.js";

/** The role a key plays inside one adapted module (LyCORIS lycoris/modules/*.py, A1111 network_*.py, ComfyUI). */
type Part =
  | "down"
  | "up"
  | "mid"
  | "alpha"
  | "dora_scale"
  | "hada_w1_a"
  | "hada_w1_b"
  | "hada_w2_a"
  | "hada_w2_b"
  | "hada_t1"
  | "hada_t2"
  | "lokr_w1"
  | "lokr_w1_a"
  | "lokr_w1_b"
  | "lokr_w2"
  | "lokr_w2_a"
  | "lokr_w2_b"
  | "lokr_t2"
  | "on_input"
  | "a1"
  | "a2"
  | "b1"
  | "b2"
  | "bm"
  | "oft_blocks"
  | "oft_diag"
  | "rescale"
  | "diff"
  | "diff_b"
  | "w_norm"
  | "b_norm"
  | "up_bias";

/** Parts named by the last key segment alone. */
const TAIL_PARTS: ReadonlyMap<string, Part> = new Map<string, Part>([
  ["alpha", "alpha"],
  ["dora_scale", "dora_scale"],
  ...(["hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1", "hada_t2"] as const).map(
    (p) => [p, p] as [string, Part],
  ),
  ...(["lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2"] as const).map(
    (p) => [p, p] as [string, Part],
  ),
  ["on_input", "on_input"],
  ["oft_blocks", "oft_blocks"],
  ["oft_diag", "oft_diag"],
  ["rescale", "rescale"],
  ["diff", "diff"],
  ["diff_b", "diff_b"],
  ["w_norm", "w_norm"],
  ["b_norm", "b_norm"],
]);

/** Parts named by the segment before `.weight`. PEFT DoRA's magnitude vector plays kohya's `dora_scale` role. */
const WEIGHT_PARTS: ReadonlyMap<string, Part> = new Map<string, Part>([
  ["lora_down", "down"],
  ["lora_up", "up"],
  ["lora_mid", "mid"],
  ["lora_A", "down"],
  ["lora_B", "up"],
  ["lora_magnitude_vector", "dora_scale"],
  ["a1", "a1"],
  ["a2", "a2"],
  ["b1", "b1"],
  ["b2", "b2"],
  ["bm", "bm"],
]);

/** `…to_q_lora.down.weight` (diffusers attention processors), `…proj_lora1.down.weight` (XLabs FLUX). */
const NAMED_LORA_OWNER = /_lora\d*$/;

/** `(module, part)` for a LoRA-family key, or null. O(1): looks at the last three segments only. */
function splitKey(key: string): [string, Part] | null {
  const dot = key.lastIndexOf(".");
  if (dot <= 0) return null;
  const last = key.slice(dot + 1);
  const head = key.slice(0, dot);
  const tail = TAIL_PARTS.get(last);
  if (tail !== undefined) return [head, tail];
  if (last !== "weight" && last !== "bias") return null;
  const dot2 = head.lastIndexOf(".");
  const segment = head.slice(dot2 + 1);
  const rest = dot2 < 0 ? "" : head.slice(0, dot2);
  if (last === "bias") return segment === "lora_B" ? [rest, "up_bias"] : null;
  const part = WEIGHT_PARTS.get(segment);
  if (part !== undefined) return rest === "" ? null : [rest, part];
  if (segment !== "down" && segment !== "up") return null;
  const dot3 = rest.lastIndexOf(".");
  const owner = rest.slice(dot3 + 1);
  const ownerParent = dot3 < 0 ? "" : rest.slice(0, dot3);
  // diffusers 0.2x `….lora.down.weight`, text encoder `….lora_linear_layer.down.weight`
  if (owner === "lora" || owner === "lora_linear_layer") return ownerParent === "" ? null : [ownerParent, segment];
  const named = NAMED_LORA_OWNER.exec(owner);
  if (named === null) return null;
  return [`${dot3 < 0 ? "" : `${ownerParent}.`}${owner.slice(0, named.index)}`, segment];
}

type Parts = Partial<Record<Part, readonly number[]>>;

/** A k×k conv kernel with k > 1: what makes a LoRA module LoCon rather than a 1×1 projection. */
function isSpatial(down: readonly number[] | undefined): boolean {
  return down !== undefined && down.length === 4 && ((down[2] ?? 1) > 1 || (down[3] ?? 1) > 1);
}

/** The product of two factors' widths (LoKr's Kronecker factors), when both are known. */
function product(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined ? a * b : undefined;
}

/**
 * One LoRA-family algorithm: everything the classifier knows about it. A module-level algorithm has `complete` (the
 * parts that make a whole module of it); a file-level refinement has `refines` instead: DoRA's magnitude rides on
 * any module, LoCon is a LoRA module with a k×k kernel.
 */
interface AlgorithmDeclaration {
  readonly name: string;
  /** The parts that prove it, as the evidence names them. */
  readonly proof: string;
  /** LyCORIS `algo` names (kohya `ss_network_args`) that claim it; DyLoRA and Diag-OFT store LoRA / OFT keys. */
  readonly lycorisNames: readonly string[];
  /** Writes kohya's `lora_down`/`lora_up` keys: a metadata claim of another such algorithm is no conflict. */
  readonly loraKeys?: true;
  /** Whether one module's parts form a complete group of this algorithm. */
  readonly complete?: (p: Parts, hasWeight: () => boolean) => boolean;
  /** Counts a module of algorithm `of` (any, if absent) as this one too, or `instead` of it, when `when` holds. */
  readonly refines?: { readonly of?: string; readonly when: (p: Parts) => boolean; readonly instead: boolean };
  /** Width of the adapted layer's input, when the algorithm's parts show it (never the rank side). */
  readonly inputWidth?: (p: Parts) => number | undefined;
  /** Width of the adapted layer's output, when the parts show it. */
  readonly outputWidth?: (p: Parts) => number | undefined;
}

/**
 * Every LoRA-family algorithm, in precedence order: when a file shows several, the first wins (DoRA > LoHa > LoKr >
 * … > LoCon > LoRA: the most specific names it). A module is of the first module-level algorithm whose parts it
 * completes, so the same order also settles a module whose parts would complete two. Sources: LyCORIS
 * lycoris/modules/*.py, A1111 extensions-builtin/Lora/network_*.py, ComfyUI comfy/weight_adapter/.
 */
const ALGORITHM_DECLARATIONS = [
  {
    name: "dora",
    proof: "dora_scale",
    lycorisNames: [],
    loraKeys: true,
    refines: { when: (p) => p.dora_scale !== undefined, instead: false },
  },
  {
    name: "loha",
    proof: "hada_w1_a",
    lycorisNames: ["loha"],
    complete: (p) => !!(p.hada_w1_a && p.hada_w1_b && p.hada_w2_a && p.hada_w2_b),
    inputWidth: (p) => p.hada_w1_b?.[1],
    outputWidth: (p) => p.hada_w1_a?.[0],
  },
  {
    name: "lokr",
    proof: "lokr_w1/lokr_w2",
    lycorisNames: ["lokr"],
    complete: (p) => !!((p.lokr_w1 || (p.lokr_w1_a && p.lokr_w1_b)) && (p.lokr_w2 || (p.lokr_w2_a && p.lokr_w2_b))),
    inputWidth: (p) => product(p.lokr_w1?.[1] ?? p.lokr_w1_b?.[1], p.lokr_w2?.[1] ?? p.lokr_w2_b?.[1]),
    outputWidth: (p) => product(p.lokr_w1?.[0] ?? p.lokr_w1_a?.[0], p.lokr_w2?.[0] ?? p.lokr_w2_a?.[0]),
  },
  {
    name: "glora",
    proof: "a1/a2/b1/b2",
    lycorisNames: ["glora"],
    complete: (p) => !!(p.a1 && p.a2 && p.b1 && p.b2),
    inputWidth: (p) => p.b1?.[1],
    outputWidth: (p) => p.a2?.[0],
  },
  {
    name: "boft",
    proof: "oft_blocks 4-D",
    lycorisNames: ["boft"],
    complete: (p) => p.oft_blocks?.length === 4,
  },
  {
    name: "oft",
    proof: "oft_blocks (3-D) / oft_diag",
    lycorisNames: ["oft", "diag-oft"],
    complete: (p) => !!(p.oft_blocks || p.oft_diag),
  },
  {
    name: "ia3",
    proof: "on_input",
    lycorisNames: ["ia3"],
    // IA³ stores the scale as the module's own `.weight`; `on_input` is what makes it IA³ rather than any weight.
    complete: (p, hasWeight) => !!p.on_input && hasWeight(),
  },
  {
    name: "full",
    proof: "diff",
    lycorisNames: ["full"],
    complete: (p) => !!p.diff,
    inputWidth: (p) => p.diff?.[1],
    outputWidth: (p) => p.diff?.[0],
  },
  {
    name: "locon",
    proof: "lora_down with a k×k conv kernel",
    lycorisNames: ["locon"],
    loraKeys: true,
    refines: { of: "lora", when: (p) => isSpatial(p.down), instead: true },
  },
  {
    name: "lora",
    proof: "lora_down/lora_up",
    lycorisNames: ["lora", "dylora"],
    loraKeys: true,
    complete: (p) => !!(p.down && p.up),
    inputWidth: (p) => p.down?.[1],
    outputWidth: (p) => p.up?.[0],
  },
] as const satisfies readonly AlgorithmDeclaration[];

/** LoRA-family algorithm; only set when kind is "lora". */
export type Algorithm = (typeof ALGORITHM_DECLARATIONS)[number]["name"];
/** Every algorithm, in precedence order. */
export const ALGORITHMS: readonly Algorithm[] = ALGORITHM_DECLARATIONS.map((a) => a.name);

const DECLARED: readonly (AlgorithmDeclaration & { readonly name: Algorithm })[] = ALGORITHM_DECLARATIONS;
const MODULE_LEVEL = DECLARED.flatMap((a) => (a.complete === undefined ? [] : [{ ...a, complete: a.complete }]));
const REFINEMENTS = DECLARED.flatMap((a) => (a.refines === undefined ? [] : [{ name: a.name, ...a.refines }]));

/** The parts that prove `algorithm`, as evidence names them. */
export function algorithmProof(algorithm: Algorithm): string {
  return DECLARED.find((a) => a.name === algorithm)?.proof ?? algorithm;
}

/** The algorithm a LyCORIS `algo` name (lower case) claims, if any. */
export function algorithmForLycorisName(name: string): Algorithm | undefined {
  return DECLARED.find((a) => a.lycorisNames.includes(name))?.name;
}

/** Whether the algorithm writes kohya's `lora_down`/`lora_up` keys. */
export function writesLoraKeys(algorithm: Algorithm): boolean {
  return DECLARED.some((a) => a.name === algorithm && a.loraKeys === true);
}

export interface LoraModule {
  name: string;
  /** The module-level algorithm, before file-level refinements (DoRA, LoCon). */
  algorithm: Algorithm;
  /** How many keys the module has. */
  keyCount: number;
  /** Rank of `lora_down`'s shape: 4 for conv layers (SD1 `proj_in` is a 1×1 conv). */
  downRank: number | undefined;
  /** Width of the adapted layer's input (never the rank side), when the algorithm shows it. */
  inputWidth: number | undefined;
  /** Width of the adapted layer's output, when the algorithm shows it (FLUX.2's wider MLPs show in it). */
  outputWidth: number | undefined;
  /**
   * IA³ only: length of the learned scale vector, the layer's output width (or its input width with `on_input`).
   * For a square layer (CLIP `self_attn` projections) either way it is the hidden width.
   */
  vectorWidth: number | undefined;
}

export interface LoraAnalysis {
  modules: readonly LoraModule[];
  /** Keys that looked like LoRA parts, complete or not. */
  partKeys: number;
  /** Modules with parts but without a complete group, e.g. `lora_down` without `lora_up`. */
  incomplete: number;
  algorithm: Algorithm | null;
  /** Per file-level algorithm, how many complete modules show it. */
  counts: ReadonlyMap<Algorithm, number>;
}

/** Groups LoRA-family keys into modules and decides the file's algorithm from complete groups only. */
export function analyzeLora(index: KeyIndex): LoraAnalysis {
  const grouped = new Map<string, { parts: Parts; keys: number }>();
  let partKeys = 0;
  // A module's keys are written together, so the previous module usually matches: a string compare, not a hash.
  let lastModule = "";
  let entry: { parts: Parts; keys: number } | undefined;
  for (const [key, shape] of index.entries()) {
    const split = splitKey(key);
    if (split === null) continue;
    const [module, part] = split;
    if (entry === undefined || module !== lastModule) {
      entry = grouped.get(module);
      if (entry === undefined) {
        entry = { parts: {}, keys: 0 };
        grouped.set(module, entry);
      }
      lastModule = module;
    }
    entry.parts[part] = shape;
    entry.keys++;
    partKeys++;
  }

  const modules: LoraModule[] = [];
  let incomplete = 0;
  const counts = new Map<Algorithm, number>();
  const bump = (a: Algorithm) => counts.set(a, (counts.get(a) ?? 0) + 1);
  for (const [name, { parts, keys }] of grouped) {
    const hasWeight = () => index.has(`${name}.weight`);
    const declaration = MODULE_LEVEL.find((a) => a.complete(parts, hasWeight));
    if (declaration === undefined) {
      // LyCORIS norm modules (`w_norm`/`b_norm`) ride along other algorithms and name none of their own; a lone
      // `alpha` or `.bias` next to ordinary weights is not a broken module either.
      if (!parts.w_norm && keys > (parts.alpha ? 1 : 0) + (parts.up_bias ? 1 : 0)) incomplete++;
      continue;
    }
    const algorithm = declaration.name;
    // LyCORIS writes the IA³ scale as `[dim]` or `[1, dim]`: the last dimension is the width either way.
    const vectorWidth = algorithm === "ia3" ? index.shape(`${name}.weight`)?.at(-1) : undefined;
    modules.push({
      name,
      algorithm,
      keyCount: keys,
      downRank: parts.down?.length,
      inputWidth: declaration.inputWidth?.(parts),
      outputWidth: declaration.outputWidth?.(parts),
      vectorWidth,
    });
    let counted: Algorithm = algorithm;
    for (const { name: refined, of, when, instead } of REFINEMENTS) {
      if ((of !== undefined && of !== algorithm) || !when(parts)) continue;
      if (instead) counted = refined;
      else bump(refined);
    }
    bump(counted);
  }
  const algorithm = ALGORITHMS.find((a) => (counts.get(a) ?? 0) > 0) ?? null;
  return { modules, partKeys, incomplete, algorithm, counts };
}
