import type { FeatureName } from "./features.js";
import type { NormalizedHeader } from "./normalize.js";
import type { Algorithm, Base, Confidence, Evidence, LoraFormat } from "./vocabulary.js";

/** A condition on one expected dimension of a tensor's shape. */
export interface ShapeTest {
  readonly rank?: number;
  readonly dim?: number;
  readonly oneOf?: readonly number[];
}

/** One condition on the normalised key set. Exact keys and prefixes only; a pattern is confined to a prefix range. */
export type KeyTest =
  | { readonly key: string; readonly shape?: ShapeTest }
  | { readonly prefix: string }
  | { readonly pattern: RegExp; readonly under: string }
  | { readonly feature: FeatureName };

/** What a rule's describer adds once the rule matched. */
export interface Description {
  base?: Base;
  variant?: string | null;
  architecture?: string | null;
  algorithm?: Algorithm | null;
  loraFormat?: LoraFormat;
  /** Lowered when the description rests on partial structure. */
  confidence?: Confidence;
  /**
   * What decided it. A string is the matching rule's own words, filed under that rule's id; a probe shared by
   * several rules (src/classify/base.ts) gives each fact its own id, so a rule reusing it picks facts by id.
   */
  evidence: (string | Evidence)[];
}

export interface Rule {
  /** Unique, short; appears in evidence. */
  readonly id: string;
  /**
   * The stage of the decision order it runs in: one its kind declares (src/classify/kind-declaration.ts). Rules
   * overlap, so the first stage with a matching rule decides the kind.
   */
  readonly stage: string;
  /** Every test must hold. */
  readonly all?: readonly KeyTest[];
  /** At least one test must hold. */
  readonly any?: readonly KeyTest[];
  /** No test may hold. */
  readonly none?: readonly KeyTest[];
  /** The key set must be exactly this (FLUX Redux). */
  readonly exactly?: readonly string[];
  readonly architecture?: string;
  /** How sure a match alone is; "high" unless the rule is a loose guard. */
  readonly confidence?: Confidence;
  readonly describe?: (header: NormalizedHeader) => Description;
}
