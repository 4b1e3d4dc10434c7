import { readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PNG_PREVIEW, V_PREDICTION_CONFIG, writeSidecars } from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import type { JournalData } from "../../src/install/journal.js";
import { STALE_TEMP_AGE_MS } from "../../src/install/temp-files.js";
import type { ApplyProgress } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import {
  a1111WithDownloads,
  filesUnder,
  classification as k,
  modelFile,
  plan,
  sha256File,
  treeListing,
} from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-apply-");

const setup = () => a1111WithDownloads(tempDir);

describe("applyPlan", () => {
  it("a dry run changes nothing: not a file, not a folder, not an mtime, no journal", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidates = [
      await modelFile(join(downloads, "c.ckpt"), k("checkpoint", { base: "sdxl" })),
      await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 }),
    ];
    await writeSidecars(downloads, ["c.preview.png", "l.civitai.info"]);
    const before = [await treeListing(root), await treeListing(downloads)];
    const dry = await plan(candidates, target, { dryRun: true, byBase: true });
    expect(dry.summary.move).toBe(2);
    const report = await applyPlan(dry, { journalDir });
    expect(report).toMatchObject({ dryRun: true, batchId: null, journalPath: null, failure: null });
    expect(report.entries.map((e) => e.status)).toEqual(["not-attempted", "not-attempted"]);
    expect([await treeListing(root), await treeListing(downloads)]).toEqual(before);
  });

  it("moves models with their sidecars, creates folders only now, and journals every file", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const c = await modelFile(join(downloads, "c.ckpt"), k("checkpoint", { base: "sdxl" }));
    const l = await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 });
    await writeSidecars(downloads, ["c.preview.png", "c.yaml"]);
    const sourceMtime = (await stat(c.source)).mtimeMs;
    const events: ApplyProgress["type"][] = [];
    const report = await applyPlan(await plan([c, l], target, { byBase: true }), {
      journalDir,
      onProgress: (e) => events.push(e.type),
    });

    expect(report.failure).toBeNull();
    expect(report.entries.map((e) => [e.status, e.method])).toEqual([
      ["done", "rename"],
      ["done", "rename"],
    ]);
    expect(events).toEqual(["start", "done", "start", "done"]);
    expect(await filesUnder(downloads)).toEqual([]);
    const installed = join(root, "models/Stable-diffusion/SDXL/c.safetensors");
    expect((await stat(installed)).mtimeMs).toBe(sourceMtime);
    expect(await readFile(join(root, "models/Stable-diffusion/SDXL/c.yaml"), "utf8")).toBe(V_PREDICTION_CONFIG);
    expect(await readFile(join(root, "models/Stable-diffusion/SDXL/c.preview.png"))).toEqual(PNG_PREVIEW);
    expect(await filesUnder(join(root, "models/Lora/SD1.5"))).toEqual(["l.safetensors"]);

    const journal = JSON.parse(await readFile(report.journalPath!, "utf8")) as JournalData;
    expect(report.journalPath!.startsWith(join(root, ".sdmodels/journal/"))).toBe(true);
    expect(journal).toMatchObject({
      version: 2,
      batchId: report.batchId,
      state: "complete",
      mode: "move",
      ui: "a1111",
      pid: process.pid,
    });
    expect(journal.sourceDirs).toEqual([downloads]);
    expect(journal.createdDirs).toEqual([join(root, "models/Stable-diffusion/SDXL"), join(root, "models/Lora/SD1.5")]);
    expect(journal.entries[0]).toMatchObject({
      source: c.source,
      destination: installed,
      size: c.size,
      status: "done",
      method: "rename",
      sourceIdentity: c.identity,
      installed: { dev: c.identity!.dev, ino: c.identity!.ino, size: c.size, mtimeMs: sourceMtime },
    });
    expect(journal.entries[0]!.sidecars.map((s) => [s.destination, s.status])).toEqual([
      [join(root, "models/Stable-diffusion/SDXL/c.preview.png"), "done"],
      [join(root, "models/Stable-diffusion/SDXL/c.yaml"), "done"],
    ]);
  });

  it("records the SHA-256 the planner learned", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"), { bytes: Buffer.from("new!") });
    await writeFile(join(root, "models/Lora/x.safetensors"), "old!");
    const report = await applyPlan(await plan([candidate], target), { journalDir });
    const journal = JSON.parse(await readFile(report.journalPath!, "utf8")) as JournalData;
    expect(journal.entries[0]!.sha256).toBe(await sha256File(join(root, "models/Lora/x_2.safetensors")));
    expect(await readFile(join(root, "models/Lora/x.safetensors"), "utf8")).toBe("old!");
  });

  it("copy keeps the source", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "v.safetensors"), k("vae"));
    await writeFile(join(downloads, "v.txt"), "notes");
    const report = await applyPlan(await plan([candidate], target, { copy: true }), { journalDir });
    expect(report.entries[0]).toMatchObject({ status: "done", method: "copy" });
    expect(await filesUnder(downloads)).toEqual(["v.safetensors", "v.txt"]);
    expect(await filesUnder(join(root, "models/VAE"))).toEqual(["v.safetensors", "v.txt"]);
    expect(await sha256File(join(root, "models/VAE/v.safetensors"))).toBe(await sha256File(candidate.source));
  });

  it("refuses a plan with unresolved conflicts before touching anything", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const ok = await modelFile(join(downloads, "ok.safetensors"), k("vae"), { dim: 70 });
    const clash = await modelFile(join(downloads, "x.safetensors"), k("lora"));
    await writeFile(join(root, "models/Lora/x.safetensors"), "different");
    const before = [await treeListing(root), await treeListing(downloads)];
    await expect(
      applyPlan(await plan([ok, clash], target, { onConflict: "fail" }), { journalDir }),
    ).rejects.toMatchObject({
      code: "plan-has-conflicts",
    });
    expect([await treeListing(root), await treeListing(downloads)]).toEqual(before);
  });

  it("never overwrites a file that appeared after planning; the source stays", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "late.safetensors"), k("lora"));
    const planned = await plan([candidate], target);
    await writeFile(join(root, "models/Lora/late.safetensors"), "arrived meanwhile");
    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toMatchObject({ code: "destination-exists", source: candidate.source });
    expect(report.entries[0]!.status).toBe("failed");
    expect(await readFile(join(root, "models/Lora/late.safetensors"), "utf8")).toBe("arrived meanwhile");
    expect((await stat(candidate.source)).size).toBe(candidate.size);
    const journal = JSON.parse(await readFile(report.journalPath!, "utf8")) as JournalData;
    expect(journal.state).toBe("failed");
  });

  it("puts a model back when one of its sidecars cannot be placed, and stops the batch there", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const first = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const second = await modelFile(join(downloads, "b.safetensors"), k("vae"), { dim: 70 });
    await writeSidecars(downloads, ["a.preview.png"]);
    const planned = await plan([first, second], target);
    await writeFile(join(root, "models/Lora/a.preview.png"), "someone else's");
    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toMatchObject({ code: "destination-exists", source: first.source });
    expect(report.entries.map((e) => e.status)).toEqual(["failed", "not-attempted"]);
    expect(await filesUnder(downloads)).toEqual(["a.preview.png", "a.safetensors", "b.safetensors"]);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["a.preview.png"]);
  });

  it("skips a source changed since inspection (even with the same size and mtime), goes on with the rest", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const grown = await modelFile(join(downloads, "grow.safetensors"), k("lora"));
    const swapped = await modelFile(join(downloads, "swap.safetensors"), k("lora"), { dim: 65 });
    const fine = await modelFile(join(downloads, "fine.safetensors"), k("vae"), { dim: 66 });
    const planned = await plan([grown, swapped, fine], target);
    await writeFile(grown.source, "much longer content than before, surely");
    // A same-size replacement with the old mtime, put in place by rename: only the inode tells.
    const payload = Buffer.alloc(swapped.size, 0x41);
    await writeFile(join(downloads, "incoming"), payload);
    await utimes(join(downloads, "incoming"), swapped.identity!.mtimeMs / 1000, swapped.identity!.mtimeMs / 1000);
    await rename(join(downloads, "incoming"), swapped.source);

    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toBeNull();
    expect(report.entries.map((e) => e.status)).toEqual(["changed", "changed", "done"]);
    expect(await filesUnder(join(root, "models"))).toEqual([
      "Stable-diffusion/Put Stable Diffusion checkpoints here.txt",
      "VAE/fine.safetensors",
    ]);
    expect((await readFile(swapped.source)).equals(payload)).toBe(true);
    const journal = JSON.parse(await readFile(report.journalPath!, "utf8")) as JournalData;
    expect(journal.entries.map((e) => e.status)).toEqual(["changed", "changed", "done"]);
    expect(journal.state).toBe("complete");
  });

  it("skips a source deleted since inspection and goes on with the rest", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const gone = await modelFile(join(downloads, "gone.safetensors"), k("lora"));
    const fine = await modelFile(join(downloads, "fine.safetensors"), k("vae"), { dim: 66 });
    const planned = await plan([gone, fine], target);
    await unlink(gone.source);

    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toBeNull();
    expect(report.entries.map((e) => e.status)).toEqual(["changed", "done"]);
    expect(await filesUnder(join(root, "models", "VAE"))).toEqual(["fine.safetensors"]);
  });

  it("removes stale temp files of interrupted copies and reports fresh ones", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const stale = join(root, "models/Lora/.gone.safetensors.sdmodels-tmp-0123456789ab");
    const fresh = join(root, "models/Lora/.live.safetensors.sdmodels-tmp-ba9876543210");
    await writeFile(stale, "partial");
    await writeFile(fresh, "partial");
    const old = (Date.now() - STALE_TEMP_AGE_MS - 60_000) / 1000;
    await utimes(stale, old, old);
    const candidate = await modelFile(join(downloads, "n.safetensors"), k("lora"));
    const report = await applyPlan(await plan([candidate], target), { journalDir });
    expect(report.leftoverTemps.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: stale, removed: true },
      { path: fresh, removed: false },
    ]);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual([
      ".live.safetensors.sdmodels-tmp-ba9876543210",
      "n.safetensors",
    ]);
  });

  it("writes no journal when nothing is to be moved", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "u.safetensors"), k("unknown"));
    const report = await applyPlan(await plan([candidate], target), { journalDir });
    expect(report.batchId).toBeNull();
    expect((await filesUnder(root)).filter((p) => p.includes(".sdmodels"))).toEqual([]);
    expect(report.entries).toEqual([]);
  });
});
