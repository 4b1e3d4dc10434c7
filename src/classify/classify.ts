import { firstMatch } from "./engine.js";
import { loraAnalysis } from "./features.js";
import { BASE_BEARING, RULES } from "./kinds/index.js";
import { applyMetadata, readMetadata } from "./metadata.js";
import { type NormalizedHeader, normalizeTensors } from "./normalize.js";
import type { Classification, ClassifyInput } from "./types.js";
import type { Confidence } from "./vocabulary.js";

/** How many root names an "unknown" verdict lists: enough to recognise a family, short enough to read. */
const UNKNOWN_ROOTS_SHOWN = 4;

const RANK: Readonly<Record<Confidence, number>> = { high: 2, medium: 1, low: 0 };

function lower(a: Confidence, b: Confidence): Confidence {
  return RANK[a] <= RANK[b] ? a : b;
}

function normalisationNotes(header: NormalizedHeader): string[] {
  const notes: string[] = [];
  if (header.unwrapped.length > 0) notes.push(`unwrapped ${header.unwrapped.join(" → ")}`);
  if (header.ignored > 0) notes.push(`${header.ignored} EMA/scheduler/loss tensors ignored`);
  return notes;
}

function unknown(header: NormalizedHeader): Classification {
  const evidence: string[] = [];
  if (header.index.size === 0) {
    evidence.push(header.total === 0 ? "no tensors" : "no tensors left after normalisation");
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
    evidence.push(`${header.index.size} tensors match no rule; roots: ${shown.join(", ")}`);
    const lora = loraAnalysis(header);
    if (lora.incomplete > 0) evidence.push(`${lora.incomplete} LoRA-like module groups are incomplete`);
  }
  return {
    kind: "unknown",
    algorithm: null,
    base: "unknown",
    variant: null,
    architecture: null,
    confidence: "low",
    evidence: [...evidence, ...normalisationNotes(header)],
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
    evidence: [`${matched.join(" + ")} → ${rule.kind}`, ...description.evidence],
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
      evidence: [`classifier error: ${message}`],
    };
  }
}
