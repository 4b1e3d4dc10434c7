import { execFile, spawnSync } from "node:child_process";
import { link, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeHostileCkpt } from "../../fixtures/hostile-ckpt.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import type { JournalData } from "../../src/install/journal.js";
import { useTempDirs } from "../helpers.js";
import {
  A1111_MARKERS,
  COMFY_MARKERS,
  FORGE_MARKERS,
  filesUnder,
  treeListing,
  webuiAndDownloads,
} from "../install/fake-webui.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-install-");
const STACK_LINE = /^\s+at /m;

const run = promisify(execFile);

const CASES: { ui: string; markers: readonly string[]; id: string; folder: string; flags?: string[] }[] = [
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-checkpoint-ldm-safetensors", folder: "models/Stable-diffusion" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-lora-kohya", folder: "models/Lora" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-loha-lycoris", folder: "models/Lora" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-loha-lycoris", folder: "models/LyCORIS", flags: ["--lycoris-dir"] },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-vae-diffusers", folder: "models/VAE" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-embedding-a1111-pt", folder: "embeddings" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-hypernetwork-a1111", folder: "models/hypernetworks" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sd1-controlnet-ldm", folder: "models/ControlNet" },
  { ui: "a1111", markers: A1111_MARKERS, id: "esrgan-old", folder: "models/ESRGAN" },
  { ui: "a1111", markers: A1111_MARKERS, id: "sdxl-lora-kohya", folder: "models/Lora/SDXL", flags: ["--by-base"] },
  { ui: "forge", markers: FORGE_MARKERS, id: "clip-l-text-encoder", folder: "models/text_encoder" },
  { ui: "comfyui", markers: COMFY_MARKERS, id: "t5-xxl-text-encoder", folder: "models/text_encoders" },
  { ui: "comfyui", markers: COMFY_MARKERS, id: "sd1-lora-kohya", folder: "models/loras" },
  { ui: "comfyui", markers: COMFY_MARKERS, id: "sd1-checkpoint-ldm-safetensors", folder: "models/checkpoints" },
];

describe("sdmodels install <file>", () => {
  it.each(CASES)("$ui: $id goes to $folder $flags", async ({ markers, id, folder, flags = [], ui }) => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, markers);
    const f = fixtureById(id);
    const source = await writeModelFixture(f, f.containers[0]!, downloads);
    const run = await cli(["install", source, "--webui", webui, "--json", ...flags], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const destination = join(webui, folder, basename(source));
    expect(report.webui).toMatchObject({ root: webui, ui });
    expect(report.plan).toMatchObject([{ source, action: "move", destination, kind: f.expected.kind }]);
    expect(report.summary).toMatchObject({ files: 1, planned: 1, installed: 1 });
    expect(report.batchId).toMatch(/^\d{4}-/);
    expect(report.results).toMatchObject([{ source, destination, status: "done", method: "rename" }]);
    await expect(stat(destination)).resolves.toBeTruthy();
    await expect(stat(source)).rejects.toThrow();
  });

  it("warns when it installs a pickle, and moves the file's sidecars along", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const f = fixtureById("sd1-hypernetwork-a1111");
    const source = await writeModelFixture(f, "torch-zip", downloads, "anime.pt");
    await writeSidecars(downloads, ["anime.preview.png"]);
    await writeFile(join(downloads, "anime.civitai.info"), "{}");
    const run = await cli(["install", source, "--webui", webui], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "\n1 pickle (.pt): no code found, " +
        "but other tools that torch.load it can run code; prefer a .safetensors release\n",
    );
    expect(run.stdout).toMatch(
      /^ {4}\S*anime\.pt {2,}hypernetwork · sd1 {2,}with anime\.civitai\.info, anime\.preview\.png$/m,
    );
    expect(run.stdout).toMatch(/^installed 1 file as batch (\S+); undo with: sdmodels undo \1$/m);
    expect(await filesUnder(join(webui, "models/hypernetworks"))).toEqual([
      "anime.civitai.info",
      "anime.preview.png",
      "anime.pt",
    ]);
    expect(await filesUnder(downloads)).toEqual([]);
  });

  it("installs safetensors content named .ckpt as .safetensors", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const source = await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads, "lora.ckpt");
    const run = await cli(["install", source, "--webui", webui, "--json"], { env });
    expect(run.code).toBe(0);
    const [entry] = JSON.parse(run.stdout).plan;
    expect(entry).toMatchObject({
      destination: join(webui, "models/Lora/lora.safetensors"),
      renamed: { extension: true },
    });
    expect(await filesUnder(join(webui, "models/Lora"))).toEqual(["lora.safetensors"]);
  });

  it("--dry-run prints the plan and touches nothing", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const source = await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads);
    const before = [...(await treeListing(webui)), ...(await treeListing(downloads))];
    const run = await cli(["install", source, "--webui", webui, "--dry-run"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`\n  models/Lora/\n    ${source}  lora · sd1\n`);
    expect(run.stdout).toContain("dry run: nothing was changed");
    expect([...(await treeListing(webui)), ...(await treeListing(downloads))]).toEqual(before);
  });

  it("refuses a dangerous pickle (exit 9) and an unknown file with its reason; both stay where they are", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const bad = join(downloads, "evil.ckpt");
    await writeHostileCkpt(bad);
    const unknown = await writeModelFixture(fixtureById("unknown-random-names"), "safetensors", downloads);
    const good = await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads);
    const run = await cli(["install", bad, unknown, good, "--webui", webui, "--json"], { env });
    expect(run.code).toBe(9);
    // One stderr line per file left behind, led by its name.
    expect(run.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^sdmodels: ${bad}: dangerous: imports posix\\.system.*; left where it is$`)),
      `sdmodels: ${unknown}: not a Stable Diffusion model file sdmodels knows (unknown kind); left where it is`,
    ]);
    const report = JSON.parse(run.stdout);
    expect(
      report.plan.map((e: { action: string; reason: { code: string } | null }) => [e.action, e.reason?.code ?? null]),
    ).toEqual([
      ["skip", "dangerous"],
      ["skip", "unknown-kind"],
      ["move", null],
    ]);
    expect(report.summary.skipped).toEqual({ dangerous: 1, "unknown-kind": 1 });
    expect(await filesUnder(downloads)).toEqual([basename(bad), basename(unknown)].sort());
  });

  it("skips a duplicate, renames on a conflict, and with --on-conflict fail installs nothing (exit 2)", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const lora = fixtureById("sd1-lora-kohya");
    const installed = await writeModelFixture(lora, "safetensors", join(webui, "models/Lora"), "a.safetensors");
    const duplicate = await writeModelFixture(lora, "safetensors", downloads, "copy-of-a.safetensors");
    const dup = await cli(["install", duplicate, "--webui", webui, "--json"], { env });
    expect(dup.code).toBe(0);
    expect(JSON.parse(dup.stdout).plan[0]).toMatchObject({
      action: "skip",
      reason: { code: "duplicate", of: installed, message: `duplicate of ${installed}` },
    });
    expect(JSON.parse(dup.stdout).summary.duplicates).toBe(1);

    const other = await writeModelFixture(fixtureById("sd1-loha-lycoris"), "safetensors", downloads, "a.safetensors");
    const failed = await cli(["install", other, "--webui", webui, "--on-conflict", "fail", "--json"], { env });
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout).plan[0]).toMatchObject({ action: "conflict", existing: installed });
    expect(failed.stderr).toContain("nothing was installed");
    await expect(stat(other)).resolves.toBeTruthy();

    const planned = await cli(["install", duplicate, other, "--webui", webui, "--dry-run"], { env, cwd: downloads });
    expect(planned.code).toBe(0);
    expect(planned.stderr).toBe("");
    expect(planned.stdout).toContain(
      [
        "  models/Lora/",
        "    copy-of-a.safetensors            lora · sd1         duplicate of models/Lora/a.safetensors",
        "    a.safetensors → a_2.safetensors  lora (loha) · sd1  " +
          "conflict: a different file is at models/Lora/a.safetensors; installed as a_2.safetensors",
        "",
        "1 to install (",
      ].join("\n"),
    );
    expect(planned.stdout).toMatch(/ · 0 left where they are · 1 duplicate · 0 conflicts\n/);

    const renamed = await cli(["install", other, "--webui", webui, "--json"], { env });
    expect(renamed.code).toBe(0);
    expect(JSON.parse(renamed.stdout).plan[0].destination).toBe(join(webui, "models/Lora/a_2.safetensors"));
  });

  it("gives one-line errors with the right exit code for bad input", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const missing = join(downloads, "missing.safetensors");
    const gone = await cli(["install", missing, "--webui", webui], { env });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(`sdmodels: ${missing}: no such file\n`);

    const policy = await cli(["install", missing, "--webui", webui, "--on-conflict", "nonsense"], { env });
    expect(policy.code).toBe(1);
    expect(policy.stderr.trim().split("\n")).toHaveLength(1);
    expect(policy.stderr).toMatch(/^sdmodels: .*nonsense.*rename, skip, fail/);

    const noWebui = await cli(["install", missing, "--webui", join(downloads, "nope")], { env });
    expect(noWebui.code).toBe(1); // usage: the user has to name the WebUI
    expect(noWebui.stderr).toMatch(/^sdmodels: WebUI folder .*nope does not exist or is not a folder\n$/);

    const badUrl = await cli(["install", "https://example.invalid/x", "--webui", webui, "--sha256", "abc"], { env });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toBe('sdmodels: --sha256 wants 64 hex digits, got "abc"\n');
    for (const run of [gone, policy, noWebui, badUrl]) expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("finds the WebUI from SDMODELS_WEBUI", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, COMFY_MARKERS);
    const source = await writeModelFixture(fixtureById("sd1-vae-diffusers"), "safetensors", downloads);
    const run = await cli(["install", source, "--json"], { env: { ...env, SDMODELS_WEBUI: webui }, cwd: downloads });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).plan[0].destination).toBe(join(webui, "models/vae", basename(source)));
    expect(await readFile(join(webui, "models/vae", basename(source)))).toBeTruthy();
  });

  it("says when a source could not be removed (read-only fs): installed as a copy, journaled, undone", async (ctx) => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const readOnly = join(downloads, "..", "ro");
    await mkdir(readOnly);
    await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads, "ro.safetensors");
    try {
      await run("mount", ["--bind", downloads, readOnly]);
      await run("mount", ["-o", "remount,bind,ro", readOnly]);
    } catch (error) {
      await run("umount", [readOnly]).catch(() => undefined);
      ctx.skip(`cannot make a read-only bind mount here (${(error as Error).message.split("\n")[0]}): test skipped`);
    }
    try {
      const source = join(readOnly, "ro.safetensors");
      const result = await cli(["install", source, "--webui", webui], { env });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(
        `sdmodels: ${source} could not be removed (EROFS): installed as a copy, the original stays where it is\n`,
      );
      expect(await filesUnder(join(webui, "models/Lora"))).toEqual(["ro.safetensors"]);
      const undo = await cli(["undo", "--webui", webui], { env });
      expect(undo.code).toBe(0);
      expect(undo.stdout).toContain(`removed copy ${join(webui, "models/Lora/ro.safetensors")}`);
      expect(await filesUnder(join(webui, "models/Lora"))).toEqual([]);
      expect(await filesUnder(readOnly)).toEqual(["ro.safetensors"]);
    } finally {
      await run("umount", [readOnly]).catch(() => run("umount", ["-l", readOnly]));
    }
  });

  it("first recovers a batch a run killed between link and unlink left applying, and says so", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir, A1111_MARKERS);
    const source = await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads, "k.safetensors");
    const other = await writeModelFixture(fixtureById("sd1-vae-diffusers"), "safetensors", downloads, "v.safetensors");
    const first = await cli(["install", source, "--webui", webui, "--json"], { env });
    expect(first.code).toBe(0);
    const batchId = JSON.parse(first.stdout).batchId as string;
    const installed = join(webui, "models/Lora/k.safetensors");
    // The state a SIGKILL right after link() leaves: two names for the inode, the batch applying, its process gone.
    await link(installed, source);
    const journalPath = join(webui, ".sdmodels/journal", `${batchId}.json`);
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as JournalData;
    Object.assign(journal, { state: "applying", pid: spawnSync(process.execPath, ["-e", ""]).pid });
    Object.assign(journal.entries[0]!, { status: "moving", installed: null, method: null });
    await writeFile(journalPath, JSON.stringify(journal));

    const next = await cli(["install", other, "--webui", webui], { env });
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(
      `sdmodels: recovered batch ${batchId}, left half-applied by process ${journal.pid} which is gone: ` +
        `1 file had been installed, 0 partial copies removed`,
    );
    expect(await filesUnder(downloads)).toEqual([]);
    const undo = await cli(["undo", batchId, "--webui", webui], { env });
    expect(undo.code).toBe(0);
    expect(await filesUnder(downloads)).toEqual(["k.safetensors"]);
  });
});
