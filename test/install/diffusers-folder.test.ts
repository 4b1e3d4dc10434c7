import { mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDiffusersPipeline } from "../../fixtures/diffusers-writer.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { classifyInspection } from "../../src/classify/classify-inspection.js";
import { inspectPath } from "../../src/inspect/diffusers-folder.js";
import { walkModelFiles } from "../../src/inspect/walk.js";
import { placeFile } from "../../src/install/place-file.js";
import { runCli } from "../cli/run-cli.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, COMFY_MARKERS, filesUnder, touch } from "./fake-webui.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-diffusers-");

describe("diffusers pipeline folders", () => {
  it("are found by a walk as one model, and their component files are not listed on their own", async () => {
    const downloads = await tempDir();
    await writeDiffusersPipeline(join(downloads, "juggernaut-xl"), "sdxl");
    const lora = fixtureById("sd1-lora-kohya");
    await writeModelFixture(lora, "safetensors", downloads, "style.safetensors");
    expect(await walkModelFiles(downloads)).toEqual([
      join(downloads, "juggernaut-xl"),
      join(downloads, "style.safetensors"),
    ]);
  });

  it.each([
    ["sdxl", "sdxl"],
    ["sd1", "sd1"],
    // Same pipeline class as SD1: the UNet config's cross-attention width decides.
    ["sd2", "sd2"],
  ] as const)("a %s pipeline is a checkpoint of base %s, safe, sized by all its files", async (family, base) => {
    const dir = await writeDiffusersPipeline(join(await tempDir(), "model"), family);
    const inspection = await inspectPath(dir);
    expect(inspection).toMatchObject({ format: "diffusers", error: null });
    expect(inspection.size).toBeGreaterThan(1_000_000_000);
    expect(inspection.safety.verdict).toBe("safe");
    expect(classifyInspection(inspection)).toMatchObject({ kind: "checkpoint", base, architecture: "diffusers" });
  });

  it("takes its components' worst verdict: a pickled UNet that runs code makes the folder dangerous", async () => {
    const dir = await writeDiffusersPipeline(join(await tempDir(), "model"), "sd1", { hostileUnet: true });
    const inspection = await inspectPath(dir);
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.reasons.join()).toMatch(/unet\/diffusion_pytorch_model\.bin: .*posix\.system/);
  });

  it("judges a weight file linked in from elsewhere (a Hugging Face cache snapshot) by its target", async () => {
    const root = await tempDir();
    const hostile = await writeDiffusersPipeline(join(root, "blobs"), "sd1", { hostileUnet: true });
    const dir = await writeDiffusersPipeline(join(root, "snapshot"), "sd1");
    const weights = join(dir, "unet", "diffusion_pytorch_model.fp16.safetensors");
    await rm(weights);
    await symlink(
      join(hostile, "unet", "diffusion_pytorch_model.bin"),
      join(dir, "unet", "diffusion_pytorch_model.bin"),
    );
    const inspection = await inspectPath(dir);
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.reasons.join()).toMatch(/unet\/diffusion_pytorch_model\.bin: .*posix\.system/);
  });

  it("a cut-off component makes the folder unreadable, naming the component", async () => {
    const dir = await writeDiffusersPipeline(join(await tempDir(), "model"), "sd1", { truncatedUnet: true });
    const inspection = await inspectPath(dir);
    expect(inspection.error?.message).toMatch(/^unet\/diffusion_pytorch_model\.fp16\.safetensors: truncated/);
  });

  it("a model_index.json that is not JSON is reported, not thrown", async () => {
    const dir = join(await tempDir(), "broken");
    await mkdir(dir);
    await writeFile(join(dir, "model_index.json"), "<html>");
    const inspection = await inspectPath(dir);
    expect(inspection.error?.code).toBe("invalid");
    expect(classifyInspection(inspection).kind).toBe("unknown");
  });

  it("sort moves the folder whole into ComfyUI's models/diffusers, and undo puts it back", async () => {
    const root = await tempDir();
    const webui = join(root, "ComfyUI");
    await touch(webui, COMFY_MARKERS);
    const downloads = join(root, "downloads");
    await writeDiffusersPipeline(join(downloads, "juggernaut-xl"), "sdxl");
    const before = await filesUnder(downloads);
    const env = { SDMODELS_STATE_DIR: join(root, "state") };
    const run = await cli(["sort", downloads, "--webui", webui, "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.plan[0]).toMatchObject({
      action: "move",
      destination: join(webui, "models/diffusers/juggernaut-xl"),
      kind: "checkpoint",
      base: "sdxl",
    });
    expect(await filesUnder(join(webui, "models/diffusers/juggernaut-xl"))).toEqual(
      before.map((p) => p.replace(/^juggernaut-xl\//, "")),
    );
    const undo = await cli(["undo", "--webui", webui], { env });
    expect(undo.code).toBe(0);
    expect(await filesUnder(downloads)).toEqual(before);
  });

  it("a folder is never moved onto an existing one, even an empty one rename() would silently replace", async () => {
    const root = await tempDir();
    const source = await writeDiffusersPipeline(join(root, "pipe"), "sd1");
    const destination = join(root, "models", "diffusers", "pipe");
    await mkdir(destination, { recursive: true });
    for (const keepSource of [false, true]) {
      await expect(placeFile(source, destination, { keepSource })).rejects.toMatchObject({
        code: "destination-exists",
      });
      expect(await readdir(destination)).toEqual([]);
      expect(await readdir(source)).toContain("model_index.json");
    }
    // No temp folder of the refused copy is left beside it.
    expect(await readdir(join(root, "models", "diffusers"))).toEqual(["pipe"]);
  });

  it("A1111 does not load diffusers folders: left where it is, with a typed reason", async () => {
    const root = await tempDir();
    const webui = join(root, "webui");
    await touch(webui, A1111_MARKERS);
    const downloads = join(root, "downloads");
    await writeDiffusersPipeline(join(downloads, "dreamshaper-8"), "sd1");
    const run = await cli(["sort", downloads, "--webui", webui, "--dry-run", "--json"], {
      env: { SDMODELS_STATE_DIR: join(root, "state") },
    });
    expect(JSON.parse(run.stdout).plan[0]).toMatchObject({ action: "skip", reason: { code: "diffusers-not-loaded" } });
  });
});
