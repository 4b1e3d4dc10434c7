import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FixtureContainer, fixtureById, fixtureTensorInfos } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { classify } from "../../src/classify/classify.js";
import type { Classification } from "../../src/classify/types.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import type { InstallCandidate, UiName } from "../../src/install/types.js";
import { judgeLoad, judgeLoadEverywhere, WILL_LOAD_RULES } from "../../src/install/will-load.js";
import { useTempDirs } from "../helpers.js";
import {
  A1111_MARKERS,
  a1111WithDownloads,
  COMFY_MARKERS,
  candidateOf,
  filesUnder,
  plan,
  touch,
} from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-will-load-");

function classified(id: string): Classification {
  const f = fixtureById(id);
  return classify({ tensors: fixtureTensorInfos(f), metadata: f.metadata ?? null, values: f.values ?? {} });
}

/** A catalog model written as a real file in `dir`, inspected and classified the way `install` does. */
async function candidateFrom(id: string, container: FixtureContainer, dir: string): Promise<InstallCandidate> {
  return candidateOf(await inspectFile(await writeModelFixture(fixtureById(id), container, dir)));
}

const codes = (c: Classification, format: "safetensors" | "torch-zip" = "safetensors") =>
  Object.fromEntries(judgeLoadEverywhere(c, format).map((j) => [j.ui, j.code])) as Record<UiName, string | null>;

describe("the will-it-load table", () => {
  it("A1111 and Fooocus do not load FLUX checkpoints; Forge, SD.Next, ComfyUI and SwarmUI do", () => {
    expect(codes(classified("flux1-dev-checkpoint-all-in-one"))).toEqual({
      a1111: "base-not-supported",
      forge: null,
      sdnext: null,
      comfyui: null,
      swarmui: null,
      fooocus: "base-not-supported",
    });
  });

  it("A1111 skips a diffusers attention-processor LoRA (it would do nothing); ComfyUI loads it", () => {
    const c = classified("sd1-lora-diffusers-attn-processor");
    expect(c.loraFormat).toBe("diffusers-attn-processor");
    expect(codes(c)).toMatchObject({ a1111: "lora-format-ignored", comfyui: null });
    expect(judgeLoad(classified("sd1-lora-kohya"), "safetensors", "a1111").loads).toBe(true);
  });

  it("no UI loads a cloneofsimo/lora file", () => {
    for (const id of ["sd1-lora-diffusion-safeloras", "sd1-lora-diffusion-pt-list"]) {
      expect(new Set(Object.values(codes(classified(id))))).toEqual(new Set(["needs-conversion"]));
    }
  });

  it("Forge has no model class for Qwen-Image or Wan; ComfyUI has", () => {
    for (const id of ["qwen-image-checkpoint", "wan21-t2v-14b-dit", "wan-lora-kohya"]) {
      expect(codes(classified(id))).toMatchObject({
        a1111: expect.any(String),
        forge: "base-not-supported",
        comfyui: null,
      });
    }
  });

  it("says from which A1111 release SD3 Medium loads, and that SD3.5 does not", () => {
    expect(judgeLoad(classified("sd3-medium-checkpoint-with-te"), "safetensors", "a1111")).toMatchObject({
      loads: true,
      since: "1.10.0",
    });
    expect(
      judgeLoad(
        { ...classified("sd3-medium-checkpoint-with-te"), architecture: "sd3.5-large" },
        "safetensors",
        "a1111",
      ),
    ).toMatchObject({
      loads: false,
      code: "base-not-supported",
    });
  });

  it("says from which A1111 release its Lora extension applies each LyCORIS algorithm, after the base check", () => {
    expect(judgeLoad(classified("sd1-loha-lycoris"), "safetensors", "a1111")).toMatchObject({
      loads: true,
      since: "1.5.0",
    });
    expect(judgeLoad({ ...classified("sd1-loha-lycoris"), algorithm: "dora" }, "safetensors", "a1111")).toMatchObject({
      loads: true,
      since: "1.9.0",
    });
    expect(judgeLoad({ ...classified("sd1-loha-lycoris"), base: "flux" }, "safetensors", "a1111")).toMatchObject({
      loads: false,
      code: "base-not-supported",
    });
  });

  it("SD.Next lists only .safetensors checkpoints: a pickled one is not loaded there", () => {
    const c = classified("sd1-checkpoint-ldm-safetensors");
    expect(judgeLoad(c, "torch-zip", "sdnext").code).toBe("file-format-not-supported");
    expect(judgeLoad(c, "safetensors", "sdnext").loads).toBe(true);
  });

  it("every row cites a public source file as owner/repo:path", () => {
    for (const rule of WILL_LOAD_RULES) expect(rule.source).toMatch(/^[\w.-]+\/[\w.-]+:[\w./-]+\.py$/);
  });
});

describe("the plan marks what the target UI will not load", () => {
  it("installs a FLUX checkpoint into A1111 with a typed mark, and --strict leaves it where it is", async () => {
    const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
    const candidate = await candidateFrom("flux1-dev-checkpoint-all-in-one", "safetensors", downloads);

    const [entry] = (await plan([candidate], target)).entries;
    expect(entry?.action).toBe("move");
    expect(entry?.action === "move" && entry.notLoaded).toMatchObject({ ui: "a1111", code: "base-not-supported" });

    const strict = await plan([candidate], target, { strict: true });
    expect(strict.entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "will-not-load", load: { code: "base-not-supported" } },
    });
    await applyPlan(strict, { journalDir });
    expect(await filesUnder(downloads)).toContain(candidate.source.slice(downloads.length + 1));
    expect((await filesUnder(join(root, "models"))).filter((f) => !f.endsWith(".txt"))).toEqual([]);
  });

  it("never installs a cloneofsimo/lora file as a loadable LoRA, in any UI", async () => {
    for (const markers of [A1111_MARKERS, COMFY_MARKERS]) {
      const root = await tempDir();
      await touch(root, markers);
      const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
      const downloads = await tempDir();
      for (const [id, container] of [
        ["sd1-lora-diffusion-safeloras", "safetensors"],
        ["sd1-lora-diffusion-pt-list", "torch-zip"],
      ] as const) {
        const candidate = await candidateFrom(id, container, downloads);
        expect(candidate.classification).toMatchObject({ kind: "lora", loraFormat: "lora-diffusion" });
        const [entry] = (await plan([candidate], target)).entries;
        expect(entry).toMatchObject({
          action: "skip",
          reason: { code: "needs-conversion", load: { code: "needs-conversion" } },
        });
      }
    }
  });
});
