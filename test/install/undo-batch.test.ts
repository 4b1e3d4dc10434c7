import { appendFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlan } from "../../src/install/apply-plan.js";
import type { JournalData } from "../../src/install/journal.js";
import { undoBatch } from "../../src/install/undo-batch.js";
import { useTempDirs } from "../helpers.js";
import { a1111WithDownloads, classification as k, filesUnder, modelFile, plan, treeListing } from "./fake-webui.js";
import { writeSidecars } from "../../fixtures/sidecar-files.js";

const tempDir = useTempDirs("sdmodels-undo-");

const setup = () => a1111WithDownloads(tempDir);

describe("undoBatch", () => {
  it("puts the last batch back, sidecars included, and removes the folders it created", async () => {
    const { root, downloads, target, journalDir } = await setup();
    await writeSidecars(downloads, ["c.preview.png"]);
    const candidates = [
      await modelFile(join(downloads, "c.ckpt"), k("checkpoint", { base: "sdxl" })),
      await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 }),
    ];
    const before = [await treeListing(downloads), await treeListing(join(root, "models"))];
    const applied = await applyPlan(await plan(candidates, target, { byBase: true }), { journalDir });

    const report = await undoBatch(journalDir);
    expect(report.batchId).toBe(applied.batchId);
    expect(report.refused).toEqual([]);
    expect(report.restored.map((r) => r.to).sort()).toEqual(
      [join(downloads, "c.ckpt"), join(downloads, "c.preview.png"), join(downloads, "l.safetensors")].sort(),
    );
    // Names, sizes and mtimes as before (the extension fix is reverted too); folder mtimes aside, the trees match.
    const strip = (lines: string[]) => lines.filter((l) => !l.includes("/ mtime="));
    expect(strip(await treeListing(downloads))).toEqual(strip(before[0]!));
    expect(strip(await treeListing(join(root, "models")))).toEqual(strip(before[1]!));
    const journal = JSON.parse(await readFile(applied.journalPath!, "utf8")) as JournalData;
    expect(journal.state).toBe("undone");
    await expect(undoBatch(journalDir)).rejects.toMatchObject({ code: "JOURNAL_NOT_FOUND" });
  });

  it("undoes the newest batch first, or the one named", async () => {
    const { downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const first = await applyPlan(await plan([a], target), { journalDir });
    const b = await modelFile(join(downloads, "b.safetensors"), k("vae"), { dim: 70 });
    const second = await applyPlan(await plan([b], target), { journalDir });

    expect((await undoBatch(journalDir, first.batchId!)).restored).toEqual([
      { from: expect.stringContaining("models/Lora/a.safetensors"), to: a.source },
    ]);
    expect((await undoBatch(journalDir)).batchId).toBe(second.batchId);
    expect(await filesUnder(downloads)).toEqual(["a.safetensors", "b.safetensors"]);
    await expect(undoBatch(journalDir, "no-such-batch")).rejects.toMatchObject({ code: "JOURNAL_NOT_FOUND" });
  });

  it("refuses, per file, what changed since install or whose original path is taken, and keeps sidecars with a refused model", async () => {
    const { root, downloads, target, journalDir } = await setup();
    await writeSidecars(downloads, ["edited.preview.png"]);
    const candidates = [
      await modelFile(join(downloads, "edited.safetensors"), k("lora")),
      await modelFile(join(downloads, "occupied.safetensors"), k("lora"), { dim: 65 }),
      await modelFile(join(downloads, "fine.safetensors"), k("lora"), { dim: 66 }),
      await modelFile(join(downloads, "gone.safetensors"), k("lora"), { dim: 67 }),
    ];
    await applyPlan(await plan(candidates, target), { journalDir });
    const lora = (name: string) => join(root, "models/Lora", name);
    await appendFile(lora("edited.safetensors"), "retrained");
    await writeFile(join(downloads, "occupied.safetensors"), "a new download with the same name");
    await rm(lora("gone.safetensors"));

    const report = await undoBatch(journalDir);
    expect(report.restored).toEqual([{ from: lora("fine.safetensors"), to: join(downloads, "fine.safetensors") }]);
    expect(report.refused).toEqual([
      { path: lora("gone.safetensors"), reason: "the installed file is gone" },
      { path: lora("occupied.safetensors"), reason: expect.stringContaining("is occupied") },
      { path: lora("edited.safetensors"), reason: expect.stringContaining("changed since install") },
      { path: lora("edited.preview.png"), reason: `kept with its model ${lora("edited.safetensors")}` },
    ]);
    expect(await readFile(join(downloads, "occupied.safetensors"), "utf8")).toBe("a new download with the same name");
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["edited.preview.png", "edited.safetensors", "occupied.safetensors"]);

    const journal = JSON.parse(await readFile(join(journalDir, `${report.batchId}.json`), "utf8")) as JournalData;
    expect(journal.state).toBe("partially-undone");
  });

  it("undoes a copy install by removing the copy while the original is still there", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "keep.safetensors"), k("vae"));
    await applyPlan(await plan([candidate], target, { copy: true }), { journalDir });
    const report = await undoBatch(journalDir);
    expect(report.restored).toEqual([{ from: join(root, "models/VAE/keep.safetensors"), to: null }]);
    expect(await filesUnder(downloads)).toEqual(["keep.safetensors"]);
    // models/VAE did not exist before this batch created it.
    await expect(stat(join(root, "models/VAE"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
