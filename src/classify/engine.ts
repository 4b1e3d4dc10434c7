import { type FeatureName, hasFeature } from "./features.js";
import type { NormalizedHeader } from "./normalize.js";
import type { KeyTest, Rule, ShapeTest } from "./rule.js";

export interface RuleMatch<R extends Rule = Rule> {
  rule: R;
  /** The tests that decided the match, written for evidence. */
  matched: string[];
}

function shapeHolds(shape: readonly number[] | undefined, test: ShapeTest | undefined): boolean {
  if (test === undefined) return true;
  if (shape === undefined) return false;
  if (test.rank !== undefined && shape.length !== test.rank) return false;
  if (test.dim !== undefined && test.oneOf !== undefined) {
    const value = shape[test.dim];
    if (value === undefined || !test.oneOf.includes(value)) return false;
  }
  return true;
}

function holds(header: NormalizedHeader, test: KeyTest): boolean {
  const { index } = header;
  if ("key" in test) return index.has(test.key) && shapeHolds(index.shape(test.key), test.shape);
  if ("prefix" in test) return index.hasPrefix(test.prefix);
  if ("pattern" in test) return index.withPrefix(test.under).some((k) => test.pattern.test(k));
  return hasFeature(header, test.feature);
}

const FEATURE_TEXT: Readonly<Record<FeatureName, string>> = {
  "lora-modules": "complete LoRA module groups",
  "unet-dominates-lora": "model.diffusion_model.* outnumbers LoRA keys",
  "hypernetwork-layers": "integer keys with linear layers",
  "few-small-tensors": "≤ 8 vectors",
  "lone-vector": "a single vector tensor",
  "lora-diffusion-list": "a bare list of up/down pairs",
};

export function describeTest(test: KeyTest): string {
  if ("key" in test) {
    const shape = test.shape;
    if (shape?.dim !== undefined && shape.oneOf !== undefined)
      return `${test.key} dim ${shape.dim} ∈ {${shape.oneOf.join(",")}}`;
    return test.key;
  }
  if ("prefix" in test) return `${test.prefix}*`;
  if ("pattern" in test) return `${test.under}… /${test.pattern.source}/`;
  return FEATURE_TEXT[test.feature];
}

function match(header: NormalizedHeader, rule: Rule): string[] | null {
  if (rule.exactly !== undefined) {
    const { index } = header;
    if (index.size !== rule.exactly.length || !rule.exactly.every((k) => index.has(k))) return null;
    return [`exactly {${rule.exactly.join(", ")}}`];
  }
  const matched: string[] = [];
  for (const test of rule.all ?? []) {
    if (!holds(header, test)) return null;
    matched.push(describeTest(test));
  }
  if (rule.any !== undefined) {
    const hit = rule.any.find((t) => holds(header, t));
    if (hit === undefined) return null;
    matched.push(describeTest(hit));
  }
  if ((rule.none ?? []).some((t) => holds(header, t))) return null;
  return matched;
}

/** The first rule of `rules` (in decision order: see RULES in ./kinds/index.ts) whose tests hold. */
export function firstMatch<R extends Rule>(header: NormalizedHeader, rules: readonly R[]): RuleMatch<R> | null {
  for (const rule of rules) {
    const matched = match(header, rule);
    if (matched !== null) return { rule, matched };
  }
  return null;
}
