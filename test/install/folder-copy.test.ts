import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDiffusersPipeline } from "../../fixtures/diffusers-writer.js";
import type { AuditReport } from "../../src/cli/report/audit-report.js";
import { inspectPath } from "../../src/inspect/diffusers-folder.js";
import { readTree } from "../../src/install/folder-tree.js";
import { gatherSnapshot } from "../../src/install/gather-snapshot.js";
import { Journal, type JournalData } from "../../src/install/journal.js";
import { planInstall } from "../../src/install/plan-install.js";
import { recoverStaleBatches } from "../../src/install/recover-batches.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { isTempName } from "../../src/install/temp-files.js";
import { DEFAULT_PLAN_OPTIONS } from "../../src/install/types.js";
import { identityOf } from "../../src/model/file-identity.js";
import { runCli } from "../cli/run-cli.js";
import { useOtherDeviceDirs, useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { COMFY_MARKERS, candidateOf, touch, treeListing } from "./fake-webui.js";
import { cliChild, copyUnderway, signalWhen } from "./signal-mid-copy.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-folder-copy-");

/** The pipelines are sparse but a copy writes every byte (2 GB for SD1, 7 GB for SDXL), hence the long timeouts. */
const otherDeviceDir = useOtherDeviceDirs("sdmodels-folder-");

/**
 * Every file and folder with size and file mtime to the millisecond (utimes takes seconds as a double, which keeps
 * microseconds, not every bit of a nanosecond time), folder mtimes left out (moving entries changes those).
 */
async function contents(root: string): Promise<string[]> {
  return (await treeListing(root)).map((l) =>
    l.replace(/\/ mtime=.*$/, "/").replace(/mtime=([\d.]+)$/, (_, ms: string) => `mtime=${Math.floor(Number(ms))}`),
  );
}

async function comfyWebui(): Promise<{ root: string; env: Record<string, string> }> {
  const base = await tempDir();
  const root = join(base, "ComfyUI");
  await touch(root, COMFY_MARKERS);
  return { root, env: { SDMODELS_STATE_DIR: join(base, "state") } };
}

describe("diffusers folders across filesystems and with --copy", () => {
  it("sort copies a pipeline from another filesystem, verifies it, drops the source; undo copies back", async (ctx) => {
    const downloads = await otherDeviceDir(ctx);
    const source = await writeDiffusersPipeline(join(downloads, "juggernaut-xl"), "sd1");
    const before = await contents(source);
    const { root, env } = await comfyWebui();
    const run = await cli(["sort", downloads, "--webui", root, "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const installed = join(root, "models/diffusers/juggernaut-xl");
    expect(JSON.parse(run.stdout).results[0]).toMatchObject({ status: "done", method: "copy" });
    expect(await contents(installed)).toEqual(before);
    expect(await readdir(downloads)).toEqual([]);
    expect((await readdir(join(root, "models/diffusers"))).filter(isTempName)).toEqual([]);

    const undo = await cli(["undo", "--webui", root], { env });
    expect(undo.stderr).toBe("");
    expect(undo.code).toBe(0);
    expect(await contents(source)).toEqual(before);
    expect(await readdir(join(root, "models/diffusers")).catch(() => [])).toEqual([]);
  }, 180_000);

  it("--copy leaves the source folder as it was; undo drops only the installed copy", async () => {
    const base = await tempDir();
    const source = await writeDiffusersPipeline(join(base, "downloads", "dreamshaper"), "sd1");
    const before = await treeListing(source);
    const { root, env } = await comfyWebui();
    const run = await cli(["install", source, "--webui", root, "--copy", "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const installed = join(root, "models/diffusers/dreamshaper");
    expect(await contents(installed)).toEqual(await contents(source));
    expect(await treeListing(source)).toEqual(before);

    expect((await cli(["undo", "--webui", root], { env })).code).toBe(0);
    expect(await stat(installed).catch(() => null)).toBeNull();
    expect(await treeListing(source)).toEqual(before);
  }, 180_000);

  it("audit --fix heals a pipeline misplaced among checkpoints on another drive; undo puts it back", async (ctx) => {
    const library = await otherDeviceDir(ctx);
    const source = await writeDiffusersPipeline(join(library, "checkpoints", "dreamshaper-8"), "sd1");
    const before = await contents(source);
    const { root, env } = await comfyWebui();
    await writeFile(
      join(root, "extra_model_paths.yaml"),
      ["library:", `    base_path: ${library}`, "    checkpoints: checkpoints", ""].join("\n"),
    );
    const run = await cli(["audit", "--webui", root, "--fix", "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(report.findings).toContainEqual(expect.objectContaining({ type: "misplaced", path: source }));
    expect(report.fix?.results?.[0]).toMatchObject({ status: "done", method: "copy" });
    expect(await contents(join(root, "models/diffusers/dreamshaper-8"))).toEqual(before);
    expect(await readdir(join(library, "checkpoints"))).toEqual([]);

    expect((await cli(["undo", "--webui", root], { env })).code).toBe(0);
    expect(await contents(source)).toEqual(before);
    expect(await readdir(join(root, "models/diffusers")).catch(() => [])).toEqual([]);
  }, 180_000);

  it.each([
    ["a symbolic link", "symlink"],
    ["a FIFO", "fifo"],
  ] as const)(
    "%s inside the folder is refused while planning, with a typed reason; nothing moves",
    async (_what, found) => {
      const base = await tempDir();
      const source = await writeDiffusersPipeline(join(base, "downloads", "pipe"), "sd1");
      const inner = join(source, "vae", "extra.safetensors");
      // A link to a real weight file elsewhere, as a Hugging Face cache snapshot holds: readable, yet it cannot travel.
      if (found === "symlink") await symlink(join(source, "vae", "diffusion_pytorch_model.fp16.safetensors"), inner);
      else {
        const { execFileSync } = await import("node:child_process");
        execFileSync("mkfifo", [inner]);
      }
      const before = await treeListing(source);
      const { root, env } = await comfyWebui();
      const run = await cli(["sort", join(base, "downloads"), "--webui", root, "--json"], { env });
      const entry = JSON.parse(run.stdout).plan[0];
      expect(entry).toMatchObject({
        action: "skip",
        reason: { code: "special-file-in-folder", path: inner, found },
      });
      expect(await treeListing(source)).toEqual(before);
      expect(await stat(join(root, "models/diffusers/pipe")).catch(() => null)).toBeNull();
    },
  );

  it("a folder is checked against the free space of a target on another filesystem while planning", async (ctx) => {
    const downloads = await otherDeviceDir(ctx);
    const source = await writeDiffusersPipeline(join(downloads, "pipe"), "sd1");
    const { root } = await comfyWebui();
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    const inspection = await inspectPath(source);
    const candidate = candidateOf(inspection, { identity: identityOf(await lstat(source)) });
    const snapshot = await gatherSnapshot([candidate], target, DEFAULT_PLAN_OPTIONS, {
      sha256: () => Promise.reject(new Error("a folder is never hashed")),
    });
    const dir = join(root, "models/diffusers");
    const facts = snapshot.targets?.[dir];
    expect(facts?.dev).toBe((await stat(root)).dev);
    const withFree = (freeBytes: number) => ({ ...snapshot, targets: { [dir]: { ...facts!, freeBytes } } });
    const tight = planInstall([candidate], target, DEFAULT_PLAN_OPTIONS, withFree(inspection.size - 1));
    expect(tight.entries[0]).toMatchObject({ action: "skip", reason: { code: "no-space" } });
    const fits = planInstall([candidate], target, DEFAULT_PLAN_OPTIONS, withFree(inspection.size));
    expect(fits.entries[0]).toMatchObject({ action: "move" });
  });
});

describe("a folder copy interrupted mid-way", () => {
  /** The compiled CLI the child runs: Node 20 cannot import the TypeScript sources. */
  const checkout = useBuiltCheckout();

  it.for<["sort" | "audit --fix", NodeJS.Signals, number | null]>([
    ["sort", "SIGINT", 130],
    ["sort", "SIGKILL", null],
    ["audit --fix", "SIGINT", 130],
  ])(
    "%s, stopped by %s, leaves the source whole and, after recovery, no half folder at the destination",
    { timeout: 180_000 },
    async ([command, signal, exitCode], ctx) => {
      const downloads = await otherDeviceDir(ctx);
      // SDXL: gigabytes of (sparse) weights, time enough to be interrupted while a file is being copied.
      const source = await writeDiffusersPipeline(join(downloads, "big-pipe"), "sdxl");
      const before = await treeListing(source);
      const { root, env } = await comfyWebui();
      // audit heals a pipeline misplaced in a checkpoints folder ComfyUI reads from the other drive.
      if (command !== "sort")
        await writeFile(
          join(root, "extra_model_paths.yaml"),
          ["library:", `    base_path: ${downloads}`, "    checkpoints: .", ""].join("\n"),
        );
      const args = command === "sort" ? ["sort", downloads, "--webui", root] : ["audit", "--webui", root, "--fix"];
      const destDir = join(root, "models/diffusers");
      await mkdir(destDir, { recursive: true });
      const result = await signalWhen(cliChild(checkout(), args, env), signal, () => copyUnderway(destDir));
      expect(result.code).toBe(exitCode);
      expect(await treeListing(source)).toEqual(before);

      // The next command that touches the WebUI recovers a killed batch first.
      const undo = await cli(["undo", "--webui", root, "--json"], { env });
      expect(undo.stderr).not.toMatch(/journal-untrusted/);
      expect(await readdir(destDir)).toEqual([]);
      expect(await treeListing(source)).toEqual(before);
      const journalDir = join(root, ".sdmodels/journal");
      const [name] = await readdir(journalDir);
      const journal = JSON.parse(await readFile(join(journalDir, name!), "utf8")) as JournalData;
      expect(journal.entries[0]?.status).toBe("interrupted");
    },
  );
});

describe("recovery of a folder move killed between reserving its name and renaming into it", () => {
  it("removes the empty reserved folder, so no folder is left under the final name", async () => {
    const base = await tempDir();
    const source = await writeDiffusersPipeline(join(base, "downloads", "pipe"), "sd1");
    const before = await treeListing(source);
    const { root } = await comfyWebui();
    const destination = join(root, "models/diffusers/pipe");
    const journalDir = join(root, ".sdmodels/journal");
    await Journal.create(journalDir, {
      webuiRoot: root,
      ui: "comfyui",
      mode: "move",
      sourceDirs: [join(base, "downloads")],
      createdDirs: [],
      entries: [
        {
          source,
          destination,
          size: 0,
          sha256: null,
          status: "moving",
          method: null,
          sourceIdentity: identityOf(await lstat(source)),
          temp: null,
          installed: null,
          sourceKept: null,
          tree: { source: await readTree(source), installed: null },
          sidecars: [],
        },
      ],
    });
    // What the run left when it died: the reservation, empty; the rename never happened.
    await mkdir(destination, { recursive: true });
    const [batch] = await recoverStaleBatches(journalDir);
    expect(batch?.installed).toEqual([]);
    expect(await stat(destination).catch(() => null)).toBeNull();
    expect(await treeListing(source)).toEqual(before);
  });
});
