import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base } from "../types.js";

/** Token-embedding width → base (A1111 modules/textual_inversion/textual_inversion.py). */
const WIDTH_BASE: ReadonlyMap<number, Base> = new Map<number, Base>([
  [768, "sd1"],
  [1024, "sd2"],
]);

function vectors(shape: readonly number[]): { count: number; width: number | undefined } {
  return shape.length === 1 ? { count: 1, width: shape[0] } : { count: shape[0] ?? 0, width: shape[1] };
}

function byWidth(key: (header: NormalizedHeader) => string | undefined) {
  return (header: NormalizedHeader): Description => {
    const name = key(header);
    const shape = name === undefined ? undefined : header.index.shape(name);
    if (name === undefined || shape === undefined)
      return { base: "unknown", confidence: "medium", evidence: ["no vector"] };
    const { count, width } = vectors(shape);
    const base = width === undefined ? undefined : WIDTH_BASE.get(width);
    const evidence = [`${name}: ${count} vector${count === 1 ? "" : "s"} × ${width ?? "?"} → ${base ?? "unknown"}`];
    return base === undefined ? { base: "unknown", confidence: "medium", evidence } : { base, evidence };
  };
}

export const embeddingRules: readonly Rule[] = [
  {
    id: "embedding-a1111",
    kind: "embedding",
    stage: "embedding",
    all: [{ prefix: "string_to_param." }, { feature: "few-small-tensors" }],
    describe: byWidth((h) => h.index.withPrefix("string_to_param.")[0]),
  },
  {
    // The original textual-inversion code's layout: token ids are 0-d tensors beside the ParameterDict of vectors.
    id: "embedding-textual-inversion",
    kind: "embedding",
    stage: "embedding",
    all: [{ prefix: "string_to_param." }, { prefix: "string_to_token." }],
    describe: byWidth((h) => h.index.withPrefix("string_to_param.")[0]),
  },
  {
    id: "embedding-sdxl",
    kind: "embedding",
    stage: "embedding",
    all: [
      { key: "clip_g", shape: { dim: 1, oneOf: [1280] } },
      { key: "clip_l", shape: { dim: 1, oneOf: [768] } },
      { feature: "few-small-tensors" },
    ],
    describe: (header) => ({
      base: "sdxl",
      evidence: [`clip_g ${header.index.dim("clip_g", 0)} × 1280 + clip_l × 768 → sdxl`],
    }),
  },
  {
    id: "embedding-kohya",
    kind: "embedding",
    stage: "embedding",
    all: [{ key: "emb_params" }, { feature: "few-small-tensors" }],
    describe: byWidth(() => "emb_params"),
  },
  {
    id: "embedding-concept",
    kind: "embedding",
    stage: "embedding",
    all: [{ feature: "lone-vector" }],
    confidence: "medium",
    describe: byWidth((h) => h.index.keys()[0]),
  },
];
