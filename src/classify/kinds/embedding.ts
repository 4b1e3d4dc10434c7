import { comfy, folder, fooocus, type KindLayout, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Base } from "../vocabulary.js";

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

const rules: readonly Rule[] = [
  {
    id: "embedding-a1111",
    stage: "embedding",
    all: [{ prefix: "string_to_param." }, { feature: "few-small-tensors" }],
    describe: byWidth((h) => h.index.withPrefix("string_to_param.")[0]),
  },
  {
    // The original textual-inversion code's layout: token ids are 0-d tensors beside the ParameterDict of vectors.
    id: "embedding-textual-inversion",
    stage: "embedding",
    all: [{ prefix: "string_to_param." }, { prefix: "string_to_token." }],
    describe: byWidth((h) => h.index.withPrefix("string_to_param.")[0]),
  },
  {
    id: "embedding-sdxl",
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
    stage: "embedding",
    all: [{ key: "emb_params" }, { feature: "few-small-tensors" }],
    describe: byWidth(() => "emb_params"),
  },
  {
    id: "embedding-concept",
    stage: "embedding",
    all: [{ feature: "lone-vector" }],
    confidence: "medium",
    describe: byWidth((h) => h.index.keys()[0]),
  },
];

const EMBEDDING_EXTENSIONS = [".safetensors", ".pt", ".bin"];
const A1111_EMBEDDINGS: KindLayout = {
  folder: folder("embeddings", EMBEDDING_EXTENSIONS, { under: "data", setting: "embeddings_dir" }),
};

export const embedding = defineKind({
  name: "embedding",
  // Few 1-/2-D tensors: late, because the guard is loose.
  stages: [{ name: "embedding", order: 130 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_EMBEDDINGS,
    forge: A1111_EMBEDDINGS,
    sdnext: { folder: folder("embeddings", EMBEDDING_EXTENSIONS, { setting: "embeddings_dir" }) },
    comfyui: { folder: comfy("embeddings") },
    swarmui: { folder: swarm("Embeddings", "SDEmbeddingFolder") },
    fooocus: { folder: fooocus("embeddings", "path_embeddings") },
    stabilitymatrix: { folder: sharedLibrary("Embeddings") },
  },
  civitai: { types: ["textualinversion"] },
});
