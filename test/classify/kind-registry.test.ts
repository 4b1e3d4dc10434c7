import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kindsForCivitaiType } from "../../src/civitai/cross-check.js";
import type { KindDeclaration } from "../../src/classify/kind-declaration.js";
import { BASE_BEARING, KIND_DECLARATIONS, KINDS, type Kind, RULES, STAGES } from "../../src/classify/kinds/index.js";
import { LAYOUTS } from "../../src/install/layouts.js";
import { UI_NAMES } from "../../src/model/ui-folders.js";

const KINDS_DIR = fileURLToPath(new URL("../../src/classify/kinds/", import.meta.url));

function isDeclaration(value: unknown): value is KindDeclaration {
  return typeof value === "object" && value !== null && "name" in value && "rules" in value && "folders" in value;
}

/** Every kind declaration exported by a file of the kinds folder, whether or not the registry lists it. */
async function declarationsOnDisk(): Promise<{ file: string; declaration: KindDeclaration }[]> {
  const files = readdirSync(KINDS_DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts");
  const found: { file: string; declaration: KindDeclaration }[] = [];
  for (const file of files) {
    const module = (await import(`${KINDS_DIR}${file}`)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (isDeclaration(value)) found.push({ file, declaration: value });
  }
  return found;
}

describe("the kind registry", () => {
  it("derives every table from every declared kind: none is declared and left out", async () => {
    const onDisk = await declarationsOnDisk();
    expect(onDisk.length).toBeGreaterThan(0);
    for (const { file, declaration } of onDisk) {
      const name = declaration.name as Kind;
      expect(KIND_DECLARATIONS as readonly KindDeclaration[], `${file} is not in KIND_DECLARATIONS`).toContain(
        declaration,
      );
      expect(KINDS).toContain(name);
      for (const ui of UI_NAMES) expect(LAYOUTS[ui][name as Exclude<Kind, "unknown">], `${ui} ${name}`).toBeDefined();
      for (const stage of declaration.stages) expect(STAGES).toContain(stage.name);
      for (const rule of declaration.rules) expect(RULES.find((r) => r.id === rule.id)?.kind).toBe(name);
      expect(BASE_BEARING.has(name)).toBe(declaration.baseBearing);
      for (const type of declaration.civitai.types) expect(kindsForCivitaiType(type)?.[0]).toBe(name);
      for (const type of declaration.civitai.alsoFiledAs ?? []) expect(kindsForCivitaiType(type)).toContain(name);
    }
    // One file per kind: nothing in the registry comes from elsewhere.
    expect(onDisk.map((d) => d.declaration.name).sort()).toEqual(KIND_DECLARATIONS.map((d) => d.name).sort());
  });

  it("keeps the documented decision order", () => {
    expect(STAGES).toEqual([
      "control-lora",
      "sparsectrl",
      "motion-module",
      "controlnet",
      "t2i-adapter",
      "controlnet-lllite",
      "ip-adapter",
      "style-model",
      "lora",
      "checkpoint",
      "ldm-diffusion-model",
      "vae",
      "vae-approx",
      "text-encoder",
      "clip-vision",
      "embedding",
      "hypernetwork",
      "upscaler",
      "bare-diffusion-model",
    ]);
  });

  it("orders rules by stage, each rule in a stage of its own kind", () => {
    const positions = RULES.map((r) => STAGES.indexOf(r.stage));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const rule of RULES) {
      const owner = KIND_DECLARATIONS.find((d) => d.stages.some((s) => s.name === rule.stage));
      expect(owner?.name, rule.id).toBe(rule.kind);
    }
  });

  it("lists kinds with checkpoints first and unknown last, and Civitai types with the kind they name first", () => {
    expect(KINDS[0]).toBe("checkpoint");
    expect(KINDS.at(-1)).toBe("unknown");
    expect(kindsForCivitaiType("Unet")).toEqual(["diffusion-model", "checkpoint"]);
    expect(kindsForCivitaiType("Checkpoint")).toEqual(["checkpoint", "diffusion-model"]);
    expect(kindsForCivitaiType("Controlnet")).toEqual(["controlnet", "t2i-adapter", "ip-adapter"]);
    expect(kindsForCivitaiType("VAE")).toEqual(["vae", "vae-approx"]);
    expect(kindsForCivitaiType("Poses")).toBeNull();
  });

  it("types a kind as one of the declared names", () => {
    // @ts-expect-error: the Kind union is derived from the declarations, so a made-up name does not type-check.
    const notAKind: Kind = "not-a-kind";
    expect(KINDS).not.toContain(notAKind);
  });
});
