import type { FoldersByUi } from "../model/ui-folders.js";
import type { Rule } from "./rule.js";

/**
 * A place in the decision order. Rules overlap, so the first stage with a matching rule decides the kind; a stage
 * sits where it does because of what later stages would otherwise claim, said in a comment beside its `order`.
 */
export interface StageDeclaration {
  readonly name: string;
  /** Lower runs first. Spaced by ten so that a new stage fits between two without renumbering. */
  readonly order: number;
}

/**
 * Everything one kind of model file brings: how it is recognised, where it stands in the decision order, whether it
 * belongs to one base model, where each UI loads it, and what Civitai calls it. The registry
 * (src/classify/kinds/index.ts) derives the kind list, the decision order, the UI layouts and the Civitai table from
 * these declarations and nothing else.
 */
export interface KindDeclaration<Name extends string = string> {
  readonly name: Name;
  /** The stages this kind's rules run in; every rule names one of them. */
  readonly stages: readonly StageDeclaration[];
  /** Tried in this order within a stage. */
  readonly rules: readonly Rule[];
  /**
   * Whether a file of this kind belongs to one base model, so that metadata may confirm or fill in its base. Text
   * encoders, image encoders and upscalers serve several.
   */
  readonly baseBearing: boolean;
  readonly folders: FoldersByUi;
  /**
   * Civitai `model.type` values (lower case) for this kind: `types` name it first (a planned download of that type is
   * predicted to be this kind), `alsoFiledAs` are types uploaders also pick for it. A cross-check only: Civitai's
   * type is what the uploader chose, never a placement input.
   */
  readonly civitai: { readonly types: readonly string[]; readonly alsoFiledAs?: readonly string[] };
}

/** Keeps the kind's name as a literal type, so the registry can derive the `Kind` union from its declarations. */
export function defineKind<Name extends string>(declaration: KindDeclaration<Name>): KindDeclaration<Name> {
  return declaration;
}
