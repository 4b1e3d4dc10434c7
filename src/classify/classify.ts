import { firstMatch } from "./engine.js";
import { loraAnalysis } from "./features.js";
import { BASE_BEARING, RULES } from "./kinds/index.js";
import { applyMetadata, readMetadata } from "./metadata.js";
import { type NormalizedHeader, normalizeTensors } from "./normalize.js";
import type { Classification, ClassifyInput } from "./types.js";
import { type Confidence, type Evidence, evidence } from "./vocabulary.js";

/** How many root names an "unknown" verdict lists: enough to recognise a family, short enough to read. */
const UNKNOWN_ROOTS_SHOWN = 4;

const RANK: Readonly<Record<Confidence, number>> = { high: 2, medium: 1, low: 0 };

function lower(a: Confidence, b: Confidence): Confidence {
  return RANK[a] <= RANK[b] ? a : b;
}

function normalisationNotes(header: NormalizedHeader): Evidence[] {
  const notes: Evidence[] = [];
  if (header.unwrapped.length > 0) notes.push(evidence("unwrapped", `unwrapped ${header.unwrapped.join(" → ")}`));
  if (header.ignored > 0)
    notes.push(evidence("ignored-tensors", `${header.ignored} EMA/scheduler/loss tensors ignored`));
  return notes;
}

function unknown(header: NormalizedHeader): Classification {
  const facts: Evidence[] = [];
  if (header.index.size === 0) {
    facts.push(evidence("no-tensors", header.total === 0 ? "no tensors" : "no tensors left after normalisation"));
  } else {
    const roots = new Map<string, number>();
    for (const key of header.index.keys()) {
      const root = key.split(".")[0] as string;
      roots.set(root, (roots.get(root) ?? 0) + 1);
    }
    const shown = [...roots]
      .sort((a, b) => b[1] - a[1])
      .slice(0, UNKNOWN_ROOTS_SHOWN)
      .map(([r, n]) => `${r}* (${n})`);
    facts.push(evidence("no-rule", `${header.index.size} tensors match no rule; roots: ${shown.join(", ")}`));
    const lora = loraAnalysis(header);
    if (lora.incomplete > 0)
      facts.push(evidence("incomplete-lora", `${lora.incomplete} LoRA-like module groups are incomplete`));
  }
  return {
    kind: "unknown",
    algorithm: null,
    base: "unknown",
    variant: null,
    architecture: null,
    confidence: "low",
    evidence: [...facts, ...normalisationNotes(header)],
  };
}

function classifyHeader(input: ClassifyInput): Classification {
  const header = normalizeTensors(input.tensors, input.values);
  const hit = firstMatch(header, RULES);
  if (hit === null) return unknown(header);
  const { rule, matched } = hit;
  const description = rule.describe?.(header) ?? { evidence: [] };
  const result: Classification = {
    kind: rule.kind,
    algorithm: rule.kind === "lora" ? (description.algorithm ?? null) : null,
    base: description.base ?? "unknown",
    variant: description.variant ?? null,
    architecture: description.architecture ?? rule.architecture ?? null,
    confidence: lower(rule.confidence ?? "high", description.confidence ?? "high"),
    evidence: [
      evidence(rule.id, `${matched.join(" + ")} → ${rule.kind}`),
      // A describer's own words are filed under its rule; a shared probe's facts keep their own ids.
      ...description.evidence.map((e) => (typeof e === "string" ? evidence(rule.id, e) : e)),
    ],
    ...(rule.kind === "lora" && description.loraFormat !== undefined ? { loraFormat: description.loraFormat } : {}),
  };
  if (BASE_BEARING.has(rule.kind)) applyMetadata(result, readMetadata(input.metadata));
  result.evidence.push(...normalisationNotes(header));
  return result;
}

/**
 * What a model file is, from its tensor names, shapes and metadata: pure, no I/O, never throws. Shapes decide;
 * metadata only supports them, and a disagreement is reported in `evidence`.
 */
export function classify(input: ClassifyInput): Classification {
  try {
    return classifyHeader(input);
  } catch (error) {
    // A header no rule anticipated must not take the whole batch down; report it as what it is: not understood.
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: "unknown",
      algorithm: null,
      base: "unknown",
      variant: null,
      architecture: null,
      confidence: "low",
      evidence: [evidence("classifier-error", `classifier error: ${message}`)],
    };
  }
}
