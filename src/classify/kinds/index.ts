/**
 * The kind registry: every table that lists kinds is derived here from the declarations in this folder, one file per
 * kind, so a kind is added by writing its file and naming it in {@link KIND_DECLARATIONS}. A declaration that breaks a
 * registry invariant (a name, stage or order used twice, a rule in a stage its kind does not declare, a Civitai type
 * two kinds claim first) throws when this module loads: the mistake cannot reach a classification.
 */
import { type KindLayout, UI_NAMES, type UiName } from "../../model/ui-folders.js";
import type { Rule } from "../rule.js";
import { checkpoint } from "./checkpoint.js";
import { clipVision } from "./clip-vision.js";
import { controlnet } from "./controlnet.js";
import { diffusionModel } from "./diffusion-model.js";
import { embedding } from "./embedding.js";
import { hypernetwork } from "./hypernetwork.js";
import { ipAdapter } from "./ip-adapter.js";
import { lora } from "./lora.js";
import { motionModule } from "./motion-module.js";
import { styleModel } from "./style-model.js";
import { t2iAdapter } from "./t2i-adapter.js";
import { textEncoder } from "./text-encoder.js";
import { upscaler } from "./upscaler.js";
import { vae } from "./vae.js";
import { vaeApprox } from "./vae-approx.js";

/** Every declared kind, in the order reports list them: checkpoints first, as a WebUI lists its models. */
export const KIND_DECLARATIONS = [
  checkpoint,
  diffusionModel,
  vae,
  vaeApprox,
  textEncoder,
  lora,
  embedding,
  hypernetwork,
  controlnet,
  t2iAdapter,
  ipAdapter,
  clipVision,
  upscaler,
  motionModule,
  styleModel,
] as const;

export type DeclaredKind = (typeof KIND_DECLARATIONS)[number]["name"];
/** What a file is; `unknown` when no rule matched, so it has no declaration. */
export type Kind = DeclaredKind | "unknown";

export const KINDS: readonly Kind[] = [...KIND_DECLARATIONS.map((d) => d.name), "unknown"];

/** A rule with the kind whose declaration holds it. */
export interface RegisteredRule extends Rule {
  readonly kind: DeclaredKind;
}

function duplicates(values: readonly (string | number)[]): (string | number)[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

function check(problems: readonly (string | number)[], what: string): void {
  if (problems.length > 0) throw new Error(`kind registry: ${what}: ${problems.join(", ")}`);
}

check(duplicates(KINDS), "kind declared twice");
const DECLARED_STAGES = KIND_DECLARATIONS.flatMap((d) => d.stages);
check(duplicates(DECLARED_STAGES.map((s) => s.name)), "stage declared twice");
check(duplicates(DECLARED_STAGES.map((s) => s.order)), "two stages share an order");
check(
  KIND_DECLARATIONS.flatMap((d) =>
    d.rules.filter((r) => !d.stages.some((s) => s.name === r.stage)).map((r) => `${r.id} (${d.name}: ${r.stage})`),
  ),
  "rule in a stage its kind does not declare",
);
check(duplicates(KIND_DECLARATIONS.flatMap((d) => d.rules.map((r) => r.id))), "rule id used twice");

/** The decision order: stage names, first tried first. */
export const STAGES: readonly string[] = [...DECLARED_STAGES].sort((a, b) => a.order - b.order).map((s) => s.name);

/**
 * Every rule, in decision order: by stage, then in its table's order. A stage belongs to one kind, so no two kinds'
 * rules share one and the order between kinds is only ever the stages' order.
 */
export const RULES: readonly RegisteredRule[] = KIND_DECLARATIONS.flatMap((d) =>
  d.rules.map((rule): RegisteredRule => ({ ...rule, kind: d.name })),
).sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));

/** Kinds that belong to one base model; metadata may confirm or fill in their base. */
export const BASE_BEARING: ReadonlySet<Kind> = new Set(
  KIND_DECLARATIONS.filter((d) => d.baseBearing).map((d) => d.name),
);

/** Per UI, the folder of every declared kind: the installer's layouts. */
export const KIND_FOLDERS: Readonly<Record<UiName, Readonly<Record<DeclaredKind, KindLayout>>>> = Object.fromEntries(
  UI_NAMES.map((ui) => [ui, Object.fromEntries(KIND_DECLARATIONS.map((d) => [d.name, d.folders[ui]]))]),
) as Record<UiName, Record<DeclaredKind, KindLayout>>;

function civitaiKinds(): ReadonlyMap<string, readonly DeclaredKind[]> {
  const byType = new Map<string, DeclaredKind[]>();
  for (const d of KIND_DECLARATIONS) {
    for (const type of d.civitai.types) {
      check(byType.has(type) ? [type] : [], "Civitai type claimed first by two kinds");
      byType.set(type, [d.name]);
    }
  }
  for (const d of KIND_DECLARATIONS) {
    for (const type of d.civitai.alsoFiledAs ?? []) {
      const kinds = byType.get(type);
      check(kinds === undefined ? [`${type} (${d.name})`] : [], "Civitai type filed as, but no kind's own");
      kinds?.push(d.name);
    }
  }
  return byType;
}

/** Civitai `model.type` (lower case) → the kinds a file of that type may be; the first is the one it names. */
export const CIVITAI_KINDS = civitaiKinds();
