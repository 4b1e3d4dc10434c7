import { loraAnalysis } from "../features.js";
import { loraBase } from "../lora-base.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";
import type { Algorithm } from "../types.js";

/** The key that proves each algorithm, for evidence. */
const DECISIVE_PART: Readonly<Record<Algorithm, string>> = {
  lora: "lora_down/lora_up",
  locon: "lora_down with a k×k conv kernel",
  loha: "hada_w1_a",
  lokr: "lokr_w1/lokr_w2",
  ia3: "on_input",
  oft: "oft_blocks (3-D) / oft_diag",
  boft: "oft_blocks 4-D",
  glora: "a1/a2/b1/b2",
  dora: "dora_scale",
  full: "diff",
};

/** AnimateDiff motion LoRAs adapt only temporal layers; ComfyUI keeps them apart from image LoRAs. */
const MOTION_MODULE = /(?:^|[._])motion_modules[._]/;

function describeLora(header: NormalizedHeader): Description {
  const analysis = loraAnalysis(header);
  const algorithm = analysis.algorithm ?? "lora";
  const evidence = [`${DECISIVE_PART[algorithm]} in ${analysis.counts.get(algorithm) ?? 0} modules → ${algorithm}`];
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
  return {
    base: base.base,
    algorithm,
    architecture: motion ? "motion-lora" : null,
    evidence,
    ...(base.strength === "none" ? { confidence: "medium" as const } : {}),
  };
}

export const loraRules: readonly Rule[] = [
  {
    id: "lora",
    kind: "lora",
    stage: "lora",
    all: [{ feature: "lora-modules" }],
    none: [{ feature: "unet-dominates-lora" }],
    describe: describeLora,
  },
];
