import { mkdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import { InterruptedError } from "../../src/install/interrupted.js";
import type { JournalData } from "../../src/install/journal.js";
import { defaultJournalDir } from "../../src/install/journal.js";
import { undoBatch } from "../../src/install/undo-batch.js";
import { useTempDirs } from "../helpers.js";
import { a1111WithDownloads, filesUnder, classification as k, modelFile, plan, treeListing } from "./fake-webui.js";

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

    const report = await undoBatch(target);
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
    await expect(undoBatch(target)).rejects.toMatchObject({ code: "journal-not-found" });
  });

  it("undoes the newest batch first, or the one named", async () => {
    const { downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const first = await applyPlan(await plan([a], target), { journalDir });
    const b = await modelFile(join(downloads, "b.safetensors"), k("vae"), { dim: 70 });
    const second = await applyPlan(await plan([b], target), { journalDir });

    expect((await undoBatch(target, first.batchId!)).restored).toEqual([
      { from: expect.stringContaining("models/Lora/a.safetensors"), to: a.source },
    ]);
    expect((await undoBatch(target)).batchId).toBe(second.batchId);
    expect(await filesUnder(downloads)).toEqual(["a.safetensors", "b.safetensors"]);
    await expect(undoBatch(target, "no-such-batch")).rejects.toMatchObject({ code: "journal-not-found" });
  });

  it("leaves, per file, what is gone or whose old path is taken, and keeps sidecars with a refused model", async () => {
    const { root, downloads, target } = await setup();
    await writeSidecars(downloads, ["occupied.preview.png"]);
    const candidates = [
      await modelFile(join(downloads, "occupied.safetensors"), k("lora"), { dim: 65 }),
      await modelFile(join(downloads, "fine.safetensors"), k("lora"), { dim: 66 }),
      await modelFile(join(downloads, "gone.safetensors"), k("lora"), { dim: 67 }),
    ];
    await applyPlan(await plan(candidates, target), { journalDir: defaultJournalDir(target) });
    const lora = (name: string) => join(root, "models/Lora", name);
    await writeFile(join(downloads, "occupied.safetensors"), "a new download with the same name");
    await rm(lora("gone.safetensors"));

    const report = await undoBatch(target);
    expect(report.restored).toEqual([{ from: lora("fine.safetensors"), to: join(downloads, "fine.safetensors") }]);
    expect(report.refused).toEqual([
      { code: "installed-gone", path: lora("gone.safetensors") },
      {
        code: "original-occupied",
        path: lora("occupied.safetensors"),
        original: join(downloads, "occupied.safetensors"),
      },
      { code: "kept-with-model", path: lora("occupied.preview.png"), model: lora("occupied.safetensors") },
    ]);
    expect(await readFile(join(downloads, "occupied.safetensors"), "utf8")).toBe("a new download with the same name");
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["occupied.preview.png", "occupied.safetensors"]);
    const journal = JSON.parse(
      await readFile(join(defaultJournalDir(target), `${report.batchId}.json`), "utf8"),
    ) as JournalData;
    expect(journal.state).toBe("partially-undone");
  });

  it("refuses the whole batch when an installed file is not as installed, even when only its mtime moved", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const b = await modelFile(join(downloads, "b.safetensors"), k("lora"), { dim: 65 });
    await applyPlan(await plan([a, b], target), { journalDir });
    const installed = join(root, "models/Lora/b.safetensors");
    // Same size, content replaced in place, mtime moved (a retrained file written over the old one).
    await writeFile(installed, Buffer.alloc(b.size, 7));
    const before = [await treeListing(root), await treeListing(downloads)];
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining(`${installed} is not the file installed`),
    });
    expect([await treeListing(root), await treeListing(downloads)]).toEqual(before);
  });

  it("refuses the whole batch when the recorded SHA-256 no longer matches, even with identity restored", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"), { bytes: Buffer.from("new!") });
    await writeFile(join(root, "models/Lora/x.safetensors"), "old!");
    const applied = await applyPlan(await plan([candidate], target), { journalDir });
    const journal = JSON.parse(await readFile(applied.journalPath!, "utf8")) as JournalData;
    expect(journal.entries[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    journal.entries[0]!.sha256 = "0".repeat(64);
    await writeFile(applied.journalPath!, JSON.stringify(journal));
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining("SHA-256 differs"),
    });
  });

  it("stops between files when interrupted, leaving the rest installed and undoable", async () => {
    const { downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    await applyPlan(await plan([a], target), { journalDir });
    const controller = new AbortController();
    controller.abort(new InterruptedError("SIGTERM"));
    const stopped = await undoBatch(target, undefined, { signal: controller.signal });
    expect(stopped).toMatchObject({ restored: [], refused: [], interrupted: "SIGTERM" });
    expect(await filesUnder(downloads)).toEqual([]);
    expect((await undoBatch(target)).restored).toHaveLength(1);
    expect(await filesUnder(downloads)).toEqual(["a.safetensors"]);
  });

  it("undoes a copy install by removing the copy while the original is still there", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "keep.safetensors"), k("vae"));
    await applyPlan(await plan([candidate], target, { copy: true }), { journalDir });
    const report = await undoBatch(target);
    expect(report.restored).toEqual([{ from: join(root, "models/VAE/keep.safetensors"), to: null }]);
    expect(await filesUnder(downloads)).toEqual(["keep.safetensors"]);
    // models/VAE did not exist before this batch created it.
    await expect(stat(join(root, "models/VAE"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

/** Rewrites the batch's journal as someone or something else left it. */
async function editJournal(path: string, edit: (journal: JournalData) => void): Promise<void> {
  const journal = JSON.parse(await readFile(path, "utf8")) as JournalData;
  edit(journal);
  await writeFile(path, JSON.stringify(journal));
}

describe("undoBatch refuses a batch it cannot prove, naming why", () => {
  const refusals: [string, (journal: JournalData, elsewhere: string) => void, string][] = [
    [
      "still applied by a live process",
      (j) => Object.assign(j, { state: "applying", pid: process.ppid }),
      "it is still being applied by process",
    ],
    ["written for another WebUI", (j, elsewhere) => Object.assign(j, { webuiRoot: elsewhere }), "it was written for"],
    ["a created folder outside the WebUI", (j, elsewhere) => j.createdDirs.push(elsewhere), "lies outside the WebUI"],
    [
      "a source outside the batch's source folders",
      (j) => Object.assign(j.entries[0]!, { source: "/etc/cron.d/a.safetensors" }),
      "/etc/cron.d/a.safetensors lies outside the folders the batch moved files from",
    ],
    [
      "relative source folders (they would resolve against the current folder)",
      (j) =>
        Object.assign(
          j,
          { sourceDirs: ["downloads"] },
          { entries: [{ ...j.entries[0]!, source: "downloads/a.safetensors" }] },
        ),
      "downloads/a.safetensors lies outside the folders the batch moved files from",
    ],
    [
      "an installed file without a recorded identity",
      (j) => Object.assign(j.entries[0]!, { installed: null }),
      "has no recorded identity",
    ],
  ];
  for (const [what, edit, reason] of refusals) {
    it(what, async () => {
      const { downloads, target, journalDir } = await setup();
      const elsewhere = await tempDir();
      const applied = await applyPlan(
        await plan([await modelFile(join(downloads, "a.safetensors"), k("lora"))], target),
        {
          journalDir,
        },
      );
      await editJournal(applied.journalPath!, (j) => edit(j, elsewhere));
      await expect(undoBatch(target)).rejects.toMatchObject({
        code: "journal-untrusted",
        message: expect.stringContaining(reason),
      });
      expect(await filesUnder(downloads)).toEqual([]);
    });
  }

  it("undoes a batch whose recorded SHA-256 still matches", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"), { bytes: Buffer.from("new!") });
    await writeFile(join(root, "models/Lora/x.safetensors"), "old!");
    const applied = await applyPlan(await plan([candidate], target), { journalDir });
    expect((JSON.parse(await readFile(applied.journalPath!, "utf8")) as JournalData).entries[0]!.sha256).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expect((await undoBatch(target)).restored).toHaveLength(1);
    expect(await filesUnder(downloads)).toEqual(["x.safetensors"]);
  });
});

describe("undoBatch per file", () => {
  it("passes over files the batch never placed, and reports a sidecar that is gone while its model goes back", async () => {
    const { root, downloads, target, journalDir } = await setup();
    await writeSidecars(downloads, ["a.preview.png", "a.civitai.info"]);
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const b = await modelFile(join(downloads, "b.safetensors"), k("vae"));
    const planned = await plan([a, b], target);
    await writeFile(b.source, "rewritten after inspection"); // b is refused as changed: never placed
    const applied = await applyPlan(planned, { journalDir });
    expect(applied.entries.map((e) => e.status)).toEqual(["done", "changed"]);
    await rm(join(root, "models/Lora/a.preview.png"));

    const report = await undoBatch(target);
    expect(report.refused).toEqual([{ code: "installed-gone", path: join(root, "models/Lora/a.preview.png") }]);
    expect(report.restored.map((r) => r.to).sort()).toEqual([a.source, join(downloads, "a.civitai.info")].sort());
  });

  it("keeps with a refused model only the sidecars that were placed", async () => {
    const { root, downloads, target, journalDir } = await setup();
    await writeSidecars(downloads, ["a.preview.png", "a.civitai.info"]);
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const applied = await applyPlan(await plan([a], target), { journalDir });
    await editJournal(applied.journalPath!, (j) => {
      j.entries[0]!.sidecars[1]!.status = "failed";
    });
    await writeFile(a.source, "a new file under the old name");
    const report = await undoBatch(target);
    expect(report.restored).toEqual([]);
    expect(report.refused).toEqual([
      { code: "original-occupied", path: join(root, "models/Lora/a.safetensors"), original: a.source },
      {
        code: "kept-with-model",
        path: join(root, "models/Lora/a.civitai.info"),
        model: join(root, "models/Lora/a.safetensors"),
      },
    ]);
  });

  it("reports a file it cannot put back and goes on", async () => {
    const { root, downloads, target, journalDir } = await setup();
    await mkdir(join(downloads, "sub"));
    const a = await modelFile(join(downloads, "sub/a.safetensors"), k("lora"));
    await applyPlan(await plan([a], target), { journalDir });
    await rmdir(join(downloads, "sub"));
    await writeFile(join(downloads, "sub"), "a file where the folder was");
    const report = await undoBatch(target);
    expect(report.restored).toEqual([]);
    expect(report.refused).toEqual([
      {
        code: "restore-failed",
        path: join(root, "models/Lora/a.safetensors"),
        errorCode: expect.any(String),
        message: expect.stringContaining(join(downloads, "sub")),
      },
    ]);
  });

  it("removes every folder the batch created, children before parents", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora", { base: "sdxl" }));
    // A WebUI without models/Lora yet: the batch creates it and models/Lora/SDXL inside it.
    await rm(join(root, "models/Lora"), { recursive: true, force: true });
    const applied = await applyPlan(await plan([a], target, { byBase: true }), { journalDir });
    const journal = JSON.parse(await readFile(applied.journalPath!, "utf8")) as JournalData;
    expect(journal.createdDirs.length).toBeGreaterThan(1);
    await undoBatch(target);
    for (const dir of journal.createdDirs) await expect(stat(dir)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await filesUnder(join(root, "models"))).toEqual([
      "Stable-diffusion/Put Stable Diffusion checkpoints here.txt",
    ]);
  });
});
