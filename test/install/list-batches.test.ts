import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlan, defaultJournalDir, listBatches, resolveWebui, undoBatch } from "../../src/install/index.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, classification as k, modelFile, plan, touch } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-list-batches-");

async function setup() {
  const root = await tempDir();
  const downloads = await tempDir();
  await touch(root, A1111_MARKERS);
  const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
  return { downloads, target, journalDir: defaultJournalDir(target) };
}

describe("listBatches", () => {
  it("lists every batch oldest first with its state, mode and file count", async () => {
    const { downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const b = await modelFile(join(downloads, "b.safetensors"), k("vae"), { dim: 70 });
    const c = await modelFile(join(downloads, "c.ckpt"), k("checkpoint"), { dim: 72 });
    const first = await applyPlan(await plan([a, b], target), { journalDir });
    const second = await applyPlan(await plan([c], target, { copy: true }), { journalDir });
    await undoBatch(target, first.batchId!);

    expect(await listBatches(journalDir)).toEqual([
      { batchId: first.batchId, createdAt: expect.any(String), ui: "a1111", state: "undone", mode: "move", files: 2 },
      {
        batchId: second.batchId,
        createdAt: expect.any(String),
        ui: "a1111",
        state: "complete",
        mode: "copy",
        files: 1,
      },
    ]);
  });

  it("is empty for a WebUI nothing was installed into, and fails on a journal it cannot read", async () => {
    const { downloads, target, journalDir } = await setup();
    expect(await listBatches(journalDir)).toEqual([]);
    await applyPlan(await plan([await modelFile(join(downloads, "a.safetensors"), k("lora"))], target), { journalDir });
    await writeFile(join(journalDir, "broken.json"), "{");
    await expect(listBatches(journalDir)).rejects.toMatchObject({ code: "journal-invalid" });
  });
});
