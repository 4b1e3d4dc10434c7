import { copyFile, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { planInstall } from "../../src/install/plan-install.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { DEFAULT_PLAN_OPTIONS, type InstallCandidate, type MoveEntry, type PlanEntry, type WebuiTarget } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, classification as k, modelFile, plan, touch } from "./fake-webui.js";
import { writeSidecars } from "../../fixtures/sidecar-files.js";

const tempDir = useTempDirs("sdmodels-plan-");

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
    const target: WebuiTarget = {
      ui: "comfyui",
      root: "/nowhere/ComfyUI",
      shape: "install",
      modelsDir: "/nowhere/ComfyUI/models",
      dataDir: "/nowhere/ComfyUI",
      extraFolders: {},
      defaultKeys: [],
      evidence: [],
    };
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
      destination: "/nowhere/ComfyUI/models/loras/a (2).safetensors",
      sidecars: [{ source: "/nowhere/dl/a.preview.png", destination: "/nowhere/ComfyUI/models/loras/a (2).preview.png" }],
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
      await modelFile(join(downloads, "broken.safetensors"), k("unknown"), { error: { code: "HeaderTooLarge", message: "…" } }),
      await modelFile(join(downloads, "odd.ckpt"), k("checkpoint"), { format: "torch-zip", verdict: "suspicious" }),
    ];
    const lenient = await plan(candidates, target);
    expect(lenient.entries.map((e) => (e.action === "skip" ? e.reason.message : e.action))).toEqual([
      "unknown kind",
      "dangerous",
      "unreadable: HeaderTooLarge",
      "move",
    ]);
    expect(lenient.entries[3]!.warnings).toContain("suspicious: installed with a warning");

    const strict = await plan(candidates, target, { strict: true });
    expect(strict.entries[3]).toMatchObject({ action: "skip", reason: { code: "suspicious-strict", message: "suspicious (strict)" } });
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
    const candidate = await modelFile(join(downloads, "lora.pt"), k("lora"), { format: "pickle", verdict: "dangerous" });
    expect((await plan([candidate], target)).entries[0]).toMatchObject({ action: "skip", reason: { code: "dangerous" } });
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
    expect(fixed.warnings.join()).toContain("installed as real.safetensors");
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
    await writeFile(join(ctx.root, "models/Lora/x (2).safetensors"), "taken");
    return { ...ctx, candidate };
  }

  it("rename: takes the first free `name (N).ext`", async () => {
    const { root, target, candidate } = await conflictSetup();
    const entry = move((await plan([candidate], target, { onConflict: "rename" })).entries[0]);
    expect(entry.destination).toBe(join(root, "models/Lora/x (3).safetensors"));
    expect(entry.renamed.conflictWith).toBe(join(root, "models/Lora/x.safetensors"));
  });

  it("skip: skips with the occupied path", async () => {
    const { root, target, candidate } = await conflictSetup();
    expect((await plan([candidate], target, { onConflict: "skip" })).entries[0]).toMatchObject({
      action: "skip",
      reason: { code: "conflict", message: `conflict: ${join(root, "models/Lora/x.safetensors")} exists with different content` },
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
      reason: { code: "duplicate", message: `duplicate of ${join(root, "models/Lora/old-name.safetensors")}` },
    });
  });

  it("same name and size with different bytes is a conflict, not a duplicate", async () => {
    const { root, downloads, target } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"), { bytes: Buffer.from("aaaa") });
    await modelFile(join(root, "models/Lora/x.safetensors"), k("lora"), { bytes: Buffer.from("bbbb") });
    const entry = move((await plan([candidate], target)).entries[0]);
    expect(basename(entry.destination)).toBe("x (2).safetensors");
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("two candidates for one destination do not collide; identical candidates install once", async () => {
    const { root, downloads, target } = await setup();
    const a = await modelFile(join(downloads, "a/x.safetensors"), k("lora"), { bytes: Buffer.from("one") });
    const b = await modelFile(join(downloads, "b/x.safetensors"), k("lora"), { bytes: Buffer.from("two") });
    const c = await modelFile(join(downloads, "c/x.safetensors"), k("lora"), { bytes: Buffer.from("one") });
    const { entries } = await plan([a, b, c], target);
    expect(move(entries[0]).destination).toBe(join(root, "models/Lora/x.safetensors"));
    expect(move(entries[1]).destination).toBe(join(root, "models/Lora/x (2).safetensors"));
    expect(entries[2]).toMatchObject({ action: "skip", reason: { message: `duplicate of ${join(root, "models/Lora/x.safetensors")}` } });
  });

  it("a file already at its destination is skipped as already in place", async () => {
    const { root, target } = await setup();
    const candidate = await modelFile(join(root, "models/Lora/here.safetensors"), k("lora"));
    expect((await plan([candidate], target)).entries[0]).toMatchObject({ action: "skip", reason: { message: "already in place" } });
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
    expect(entry.destination).toBe(join(root, "models/Stable-diffusion/m (2).safetensors"));
    expect(entry.sidecars.map((s) => [basename(s.source), basename(s.destination)]).sort()).toEqual(
      sidecars.map((s) => [s, `m (2)${s.slice(1)}`]).sort(),
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
    expect(basename(entry.destination)).toBe("v (2).safetensors");
    expect(basename(entry.sidecars[0]!.destination)).toBe("v (2).preview.png");
  });
});
