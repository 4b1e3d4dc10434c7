import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import { gatherTargetFacts, probeCaseInsensitive } from "../../src/install/gather-target-facts.js";
import { planInstall } from "../../src/install/plan-install.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import {
  DEFAULT_PLAN_OPTIONS,
  type InstallCandidate,
  type MoveEntry,
  type PlanEntry,
  type WebuiTarget,
} from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, COMFYUI_NOWHERE, classification as k, modelFile, plan, touch } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-plan-");
const run = promisify(execFile);

async function setup(): Promise<{ root: string; downloads: string; target: WebuiTarget }> {
  const root = await tempDir();
  const downloads = await tempDir();
  await touch(root, A1111_MARKERS);
  return { root, downloads, target: await resolveWebui({ webui: root, env: {}, cwd: "/" }) };
}

function move(entry: PlanEntry | undefined): MoveEntry {
  expect(entry?.action).toBe("move");
  return entry as MoveEntry;
}

describe("planInstall is pure", () => {
  it("plans from the snapshot alone: nothing on disk is consulted", () => {
    const target = COMFYUI_NOWHERE;
    const candidate: InstallCandidate = {
      source: "/nowhere/dl/a.safetensors",
      size: 100,
      format: "safetensors",
      verdict: "safe",
      error: null,
      classification: k("lora"),
    };
    const snapshot = {
      folders: {
        "/nowhere/dl": { "a.safetensors": { size: 100, isFile: true }, "a.preview.png": { size: 5, isFile: true } },
        "/nowhere/ComfyUI/models/loras": { "a.safetensors": { size: 100, isFile: true } },
      },
      hashes: { "/nowhere/dl/a.safetensors": "aa", "/nowhere/ComfyUI/models/loras/a.safetensors": "bb" },
      realPaths: {},
      sidecars: { "/nowhere/dl/a.preview.png": null },
    };
    const first = planInstall([candidate], target, DEFAULT_PLAN_OPTIONS, snapshot);
    expect(planInstall([candidate], target, DEFAULT_PLAN_OPTIONS, snapshot)).toEqual(first);
    expect(move(first.entries[0])).toMatchObject({
      destination: "/nowhere/ComfyUI/models/loras/a_2.safetensors",
      sidecars: [{ source: "/nowhere/dl/a.preview.png", destination: "/nowhere/ComfyUI/models/loras/a_2.preview.png" }],
      renamed: { extension: false, conflictWith: "/nowhere/ComfyUI/models/loras/a.safetensors" },
      sha256: "aa",
    });
    expect(first.summary).toEqual({ move: 1, skip: 0, conflict: 0, bytes: 100 });
  });
});

describe("refusals", () => {
  it("never installs unknown, dangerous or unreadable files, and refuses suspicious ones under strict", async () => {
    const { downloads, target } = await setup();
    const candidates = [
      await modelFile(join(downloads, "unknown.safetensors"), k("unknown")),
      await modelFile(join(downloads, "evil.ckpt"), k("checkpoint"), { format: "pickle", verdict: "dangerous" }),
      await modelFile(join(downloads, "broken.safetensors"), k("unknown"), {
        error: { code: "HeaderTooLarge", message: "…" },
      }),
      await modelFile(join(downloads, "odd.ckpt"), k("checkpoint"), { format: "torch-zip", verdict: "suspicious" }),
    ];
    const lenient = await plan(candidates, target);
    expect(lenient.entries.map((e) => (e.action === "skip" ? e.reason : e.action))).toEqual([
      { code: "unknown-kind" },
      { code: "dangerous" },
      { code: "unreadable", error: "HeaderTooLarge" },
      "move",
    ]);
    expect(lenient.entries[3]!.warnings).toContainEqual({ type: "suspicious" });

    const strict = await plan(candidates, target, { strict: true });
    expect(strict.entries[3]).toMatchObject({
      action: "skip",
      reason: { code: "suspicious-strict" },
    });
  });

  it("refuses a symbolic link: moving it would move the name, not the model", async () => {
    const { downloads, target } = await setup();
    const real = await modelFile(join(downloads, "store/real.safetensors"), k("lora"));
    await symlink("store/real.safetensors", join(downloads, "link.safetensors"));
    const linked = { ...real, source: join(downloads, "link.safetensors") };
    expect((await plan([linked], target)).entries[0]).toMatchObject({ action: "skip", reason: { code: "symlink" } });
  });

  it("refuses a dangerous file even when it classifies as a model", async () => {
    const { downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "lora.pt"), k("lora"), {
      format: "pickle",
      verdict: "dangerous",
    });
    expect((await plan([candidate], target)).entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "dangerous" },
    });
  });
});

describe("extension correction", () => {
  it("installs safetensors content named .ckpt as .safetensors, and refuses a pickle named .safetensors", async () => {
    const { root, downloads, target } = await setup();
    const candidates = [
      await modelFile(join(downloads, "real.ckpt"), k("checkpoint")),
      await modelFile(join(downloads, "fake.safetensors"), k("checkpoint"), { format: "torch-zip" }),
      await modelFile(join(downloads, "noext"), k("lora"), { dim: 65 }),
    ];
    const { entries } = await plan(candidates, target);
    const fixed = move(entries[0]);
    expect(fixed.destination).toBe(join(root, "models/Stable-diffusion/real.safetensors"));
    expect(fixed.renamed.extension).toBe(true);
    expect(fixed.warnings).toContainEqual({
      type: "extension-fixed",
      format: "safetensors",
      from: "real.ckpt",
      to: "real.safetensors",
    });
    expect(entries[1]).toMatchObject({ action: "skip", reason: { code: "misnamed-pickle" } });
    expect(move(entries[2]).destination).toBe(join(root, "models/Lora/noext.safetensors"));
  });

  it("keeps pickle extensions the folder lists and picks the loader's one otherwise", async () => {
    const { root, downloads, target } = await setup();
    const candidates = [
      await modelFile(join(downloads, "emb.bin"), k("embedding"), { format: "pickle" }),
      await modelFile(join(downloads, "hyper.ckpt"), k("hypernetwork"), { format: "torch-zip" }),
      await modelFile(join(downloads, "sd.pt"), k("checkpoint"), { format: "torch-legacy" }),
      await modelFile(join(downloads, "lora.pt"), k("lora"), { format: "torch-zip" }),
    ];
    const { entries } = await plan(candidates, target);
    expect(entries.map((e) => move(e).destination)).toEqual([
      join(root, "embeddings/emb.bin"),
      join(root, "models/hypernetworks/hyper.pt"),
      join(root, "models/Stable-diffusion/sd.ckpt"),
      join(root, "models/Lora/lora.pt"),
    ]);
  });
});

describe("conflicts and duplicates", () => {
  async function conflictSetup() {
    const ctx = await setup();
    const candidate = await modelFile(join(ctx.downloads, "x.safetensors"), k("lora"));
    await modelFile(join(ctx.root, "models/Lora/x.safetensors"), k("lora"), { dim: 99 });
    await writeFile(join(ctx.root, "models/Lora/x_2.safetensors"), "taken");
    return { ...ctx, candidate };
  }

  it("rename: takes the first free `name_N.ext` (a valid prompt token, unlike `name (N)`)", async () => {
    const { root, target, candidate } = await conflictSetup();
    const entry = move((await plan([candidate], target, { onConflict: "rename" })).entries[0]);
    expect(entry.destination).toBe(join(root, "models/Lora/x_3.safetensors"));
    expect(entry.renamed.conflictWith).toBe(join(root, "models/Lora/x.safetensors"));
  });

  it("skip: skips with the occupied path", async () => {
    const { root, target, candidate } = await conflictSetup();
    expect((await plan([candidate], target, { onConflict: "skip" })).entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "conflict", existing: join(root, "models/Lora/x.safetensors") },
    });
  });

  it("fail: leaves a conflict entry", async () => {
    const { root, target, candidate } = await conflictSetup();
    const result = await plan([candidate], target, { onConflict: "fail" });
    expect(result.entries[0]).toMatchObject({ action: "conflict", existing: join(root, "models/Lora/x.safetensors") });
    expect(result.summary.conflict).toBe(1);
  });

  it("same size and SHA-256 as a file in the destination folder is a duplicate, whatever its name", async () => {
    const { root, downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "new-name.safetensors"), k("lora"));
    await copyFile(candidate.source, join(root, "models/Lora/old-name.safetensors"));
    expect((await plan([candidate], target)).entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "duplicate", of: join(root, "models/Lora/old-name.safetensors") },
    });
  });

  it("same name and size with different bytes is a conflict, not a duplicate", async () => {
    const { root, downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"), { bytes: Buffer.from("aaaa") });
    await modelFile(join(root, "models/Lora/x.safetensors"), k("lora"), { bytes: Buffer.from("bbbb") });
    const entry = move((await plan([candidate], target)).entries[0]);
    expect(basename(entry.destination)).toBe("x_2.safetensors");
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("two candidates for one destination do not collide; identical candidates install once", async () => {
    const { root, downloads, target } = await setup();
    const a = await modelFile(join(downloads, "a/x.safetensors"), k("lora"), { bytes: Buffer.from("one") });
    const b = await modelFile(join(downloads, "b/x.safetensors"), k("lora"), { bytes: Buffer.from("two") });
    const c = await modelFile(join(downloads, "c/x.safetensors"), k("lora"), { bytes: Buffer.from("one") });
    const { entries } = await plan([a, b, c], target);
    expect(move(entries[0]).destination).toBe(join(root, "models/Lora/x.safetensors"));
    expect(move(entries[1]).destination).toBe(join(root, "models/Lora/x_2.safetensors"));
    expect(entries[2]).toMatchObject({
      action: "skip",
      reason: { code: "duplicate", of: join(root, "models/Lora/x.safetensors") },
    });
  });

  it("a file already at its destination is skipped as already in place", async () => {
    const { root, target } = await setup();
    const candidate = await modelFile(join(root, "models/Lora/here.safetensors"), k("lora"));
    expect((await plan([candidate], target)).entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "in-place" },
    });
  });
});

describe("sidecars", () => {
  it("move with the model and follow its extension fix and conflict rename", async () => {
    const { root, downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "m.ckpt"), k("checkpoint"));
    const sidecars = [
      "m.preview.png",
      "m.png",
      "m.jpeg",
      "m.civitai.info",
      "m.json",
      "m.cm-info.json",
      "m.metadata.json",
      "m.txt",
      "m.description.txt",
      "m.yaml",
      "m.example.3.webp",
    ];
    await writeSidecars(downloads, [...sidecars, "m2.png", "other.preview.png", "m.notes.md"]);
    await modelFile(join(root, "models/Stable-diffusion/m.safetensors"), k("checkpoint"), { dim: 99 });
    const entry = move((await plan([candidate], target)).entries[0]);
    expect(entry.destination).toBe(join(root, "models/Stable-diffusion/m_2.safetensors"));
    expect(entry.sidecars.map((s) => [basename(s.source), basename(s.destination)]).sort()).toEqual(
      sidecars.map((s) => [s, `m_2${s.slice(1)}`]).sort(),
    );
  });

  it("take `<stem>.yaml` only with a checkpoint, and never claim a file that is itself a candidate", async () => {
    const { downloads, target } = await setup();
    const lora = await modelFile(join(downloads, "l.safetensors"), k("lora"));
    const embeddingPng = await modelFile(join(downloads, "l.png"), k("embedding"), { format: "pickle" });
    await writeSidecars(downloads, ["l.yaml", "l.preview.webp"]);
    const { entries } = await plan([lora, embeddingPng], target);
    expect(move(entries[0]).sidecars.map((s) => basename(s.source))).toEqual(["l.preview.webp"]);
  });

  it("a sidecar name taken at the destination renames the whole group", async () => {
    const { root, downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "v.safetensors"), k("vae"));
    await writeSidecars(downloads, ["v.preview.png"]);
    await touch(root, ["models/VAE/v.preview.png"]);
    const entry = move((await plan([candidate], target)).entries[0]);
    expect(basename(entry.destination)).toBe("v_2.safetensors");
    expect(basename(entry.sidecars[0]!.destination)).toBe("v_2.preview.png");
  });
});

describe("plans that hold: what a real run would fail on is decided while planning", () => {
  const mounts: string[] = [];
  afterEach(async () => {
    for (const dir of mounts.splice(0).reverse()) await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
  });

  it("skips a file whose name grows past 255 bytes once renamed, in the dry run and the real run alike", async () => {
    const { root, downloads, target } = await setup();
    const stem = "n".repeat(243); // 255 bytes with .safetensors
    const taken = await modelFile(join(downloads, `${stem}.safetensors`), k("lora"));
    await writeFile(join(root, `models/Lora/${stem}.safetensors`), "a different file");
    const misnamed = await modelFile(join(downloads, `${"p".repeat(250)}.pt`), k("embedding"), { dim: 65 });
    for (const dryRun of [true, false]) {
      const planned = await plan([taken, misnamed], target, { dryRun });
      expect(planned.entries.map((e) => (e.action === "skip" ? e.reason.code : e.action))).toEqual([
        "name-too-long",
        "name-too-long",
      ]);
      expect(planned.entries[0]).toMatchObject({ reason: { bytes: 257, limit: 255 } });
    }
    const report = await applyPlan(await plan([taken, misnamed], target), {
      journalDir: join(root, ".sdmodels/journal"),
    });
    expect(report).toMatchObject({ batchId: null, failure: null });
  });

  it("skips files for a folder on a read-only filesystem instead of failing the batch", async (ctx) => {
    const { root, downloads, target } = await setup();
    const lora = join(root, "models/Lora");
    try {
      await run("mount", ["--bind", lora, lora]);
      mounts.push(lora);
      await run("mount", ["-o", "remount,bind,ro", lora]);
    } catch (error) {
      ctx.skip(`cannot make a read-only bind mount here (${(error as Error).message.split("\n")[0]}): test skipped`);
    }
    const blocked = await modelFile(join(downloads, "l.safetensors"), k("lora"));
    const fine = await modelFile(join(downloads, "v.safetensors"), k("vae"), { dim: 70 });
    const planned = await plan([blocked, fine], target);
    expect(planned.entries[0]).toMatchObject({ action: "skip", reason: { code: "not-writable" } });
    expect(planned.entries[1]).toMatchObject({ action: "move" });
  });

  it("skips a copy that would not fit the target's free space, counting the copies planned before it", () => {
    const target = pureTarget();
    const candidate = (name: string, size: number, dev: number): InstallCandidate => ({
      source: `/dl/${name}`,
      size,
      identity: { dev, ino: size, size, mtimeMs: 1, ctimeMs: 1 },
      format: "safetensors",
      verdict: "safe",
      error: null,
      classification: k("lora"),
    });
    const loras = "/w/models/loras";
    const snapshot = {
      folders: { "/dl": {}, [loras]: {} },
      hashes: {},
      sidecars: {},
      realPaths: {},
      targets: { [loras]: { writable: true, freeBytes: 1000, dev: 1, caseInsensitive: false } },
    };
    const files = [
      candidate("a.safetensors", 600, 2),
      candidate("same-device.safetensors", 5000, 1),
      candidate("b.safetensors", 600, 2),
      candidate("c.safetensors", 400, 2),
    ];
    const planned = planInstall(files, target, DEFAULT_PLAN_OPTIONS, snapshot);
    expect(planned.entries.map((e) => (e.action === "skip" ? e.reason.code : e.action))).toEqual([
      "move",
      "move",
      "no-space",
      "move",
    ]);
    // --copy copies even on one device.
    const copying = planInstall(files, target, { ...DEFAULT_PLAN_OPTIONS, copy: true }, snapshot);
    expect(copying.entries.map((e) => (e.action === "skip" ? e.reason.code : e.action))).toEqual([
      "move",
      "no-space",
      "no-space",
      "move",
    ]);
  });

  it("judges collisions case-insensitively where the target folder is, and renames to a valid prompt token", () => {
    const target = pureTarget();
    const loras = "/w/models/loras";
    const candidates: InstallCandidate[] = ["/dl/Detail.safetensors", "/dl/other.safetensors"].map((source, i) => ({
      source,
      size: 100 + i,
      format: "safetensors",
      verdict: "safe",
      error: null,
      classification: k("lora"),
    }));
    const snapshot = (caseInsensitive: boolean) => ({
      folders: {
        "/dl": {},
        [loras]: { "detail.safetensors": { size: 7, isFile: true }, "OTHER_2.safetensors": { size: 7, isFile: true } },
      },
      hashes: {},
      sidecars: {},
      realPaths: {},
      targets: { [loras]: { writable: true, freeBytes: null, dev: 1, caseInsensitive } },
    });
    expect(
      planInstall(candidates, target, DEFAULT_PLAN_OPTIONS, snapshot(false)).entries.map((e) => e.destination),
    ).toEqual([`${loras}/Detail.safetensors`, `${loras}/other.safetensors`]);
    const insensitive = planInstall(
      [...candidates, { ...candidates[1]!, source: "/dl2/Other.safetensors", size: 300 }],
      target,
      DEFAULT_PLAN_OPTIONS,
      snapshot(true),
    );
    expect(insensitive.entries.map((e) => e.destination)).toEqual([
      `${loras}/Detail_2.safetensors`,
      `${loras}/other.safetensors`,
      `${loras}/Other_3.safetensors`,
    ]);
  });

  it("probes case sensitivity on the real folder, writing nothing", async (ctx) => {
    const dir = await tempDir();
    await mkdir(join(dir, "Lora"));
    await writeFile(join(dir, "Lora/Model.safetensors"), "x");
    const before = await readdir(join(dir, "Lora"));
    const sensitive = await probeCaseInsensitive(join(dir, "Lora"));
    expect(await readdir(join(dir, "Lora"))).toEqual(before);
    // An empty folder that does not exist yet is judged by its parents' names.
    expect(await probeCaseInsensitive(join(dir, "Lora/NewSub"))).toBe(sensitive);
    const facts = await gatherTargetFacts([join(dir, "Lora")]);
    expect(facts[join(dir, "Lora")]).toMatchObject({
      writable: true,
      caseInsensitive: sensitive,
      dev: (await stat(dir)).dev,
    });
    if (!sensitive)
      ctx.skip(
        `${dir} is case-sensitive and no case-insensitive filesystem (vfat, casefold) can be mounted here: ` +
          `only the sensitive answer was checked`,
      );
  });
});

function pureTarget(): WebuiTarget {
  return {
    ui: "comfyui",
    root: "/w",
    shape: "install",
    modelsDir: "/w/models",
    dataDir: "/w",
    extraFolders: {},
    folders: {},
    roots: [],
    evidence: [],
  };
}
