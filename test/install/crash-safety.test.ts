import { execFile } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import type { JournalData } from "../../src/install/journal.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { isTempName } from "../../src/install/temp-files.js";
import { useOtherDeviceDirs, useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { A1111_MARKERS, filesUnder, classification as k, modelFile, plan, sha256File, touch } from "./fake-webui.js";
import { copyUnderway, signalWhen } from "./signal-mid-copy.js";

const run = promisify(execFile);
const tempDir = useTempDirs("sdmodels-crash-");
const otherDeviceDir = useOtherDeviceDirs("sdmodels-crash-src-");

/** 400 MiB: a cross-device copy of it plus its fsync lasts long enough to be caught in the middle. */
const BIG_SHAPE = [200, 1024, 1024];

/** The compiled installer the child runs: Node 20 cannot import the TypeScript sources. */
const checkout = useBuiltCheckout();

/** The child: applies a plan read from a JSON file, exactly as a CLI command would. */
const CHILD_SCRIPT = `
import { readFile } from "node:fs/promises";
const { applyPlan } = await import(process.env.APPLY_URL);
const plan = JSON.parse(await readFile(process.env.PLAN_PATH, "utf8"));
const report = await applyPlan(plan, { journalDir: process.env.JOURNAL_DIR });
process.stdout.write(JSON.stringify(report));
`;

describe("crash safety across filesystems", () => {
  it("moves across filesystems by copy: mtime kept, progress reported, source removed only at the end", async (ctx) => {
    const sourceDir = await otherDeviceDir(ctx);
    const root = await tempDir();
    await touch(root, A1111_MARKERS);
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    const candidate = await modelFile(join(sourceDir, "x.safetensors"), k("lora"), { shape: [4096, 1024] });
    await writeSidecars(sourceDir, ["x.preview.png"]);
    const { mtimeMs } = await stat(candidate.source);
    const hash = await sha256File(candidate.source);
    const copied: number[] = [];
    const report = await applyPlan(await plan([candidate], target), {
      journalDir: join(root, ".sdmodels/journal"),
      onProgress: (e) => {
        if (e.type === "bytes") copied.push(e.copied);
      },
    });
    expect(report.entries[0]).toMatchObject({ status: "done", method: "copy" });
    expect(copied.at(-1)).toBe(candidate.size);
    const installed = join(root, "models/Lora/x.safetensors");
    expect(Math.abs((await stat(installed)).mtimeMs - mtimeMs)).toBeLessThan(1);
    expect(await sha256File(installed)).toBe(hash);
    expect(await readdir(sourceDir)).toEqual([]);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["x.preview.png", "x.safetensors"]);
  });

  it("SIGKILL mid cross-device copy leaves the source intact, no final name; the next run recovers", async (ctx) => {
    const sourceDir = await otherDeviceDir(ctx);
    const root = await tempDir();
    const work = await tempDir();
    await touch(root, A1111_MARKERS);
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    const candidate = await modelFile(join(sourceDir, "big.safetensors"), k("checkpoint"), { shape: BIG_SHAPE });
    const sourceHash = await sha256File(candidate.source);
    const planned = await plan([candidate], target);
    const planPath = join(work, "plan.json");
    await writeFile(planPath, JSON.stringify(planned));
    const journalDir = join(work, "journal");
    const destDir = join(root, "models/Stable-diffusion");
    const finalPath = join(destDir, "big.safetensors");

    const child = {
      script: CHILD_SCRIPT,
      env: {
        APPLY_URL: pathToFileURL(join(checkout(), "dist/src/install/apply-plan.js")).href,
        PLAN_PATH: planPath,
        JOURNAL_DIR: journalDir,
      },
    };
    // Kill without warning once the temp file exists and has grown.
    const killed = await signalWhen(child, "SIGKILL", () => copyUnderway(destDir));
    expect(killed.signal).toBe("SIGKILL");

    // The invariant: the source, complete; no file under the final name; the partial copy recognisable.
    expect((await stat(candidate.source)).size).toBe(candidate.size);
    expect(await sha256File(candidate.source)).toBe(sourceHash);
    await expect(stat(finalPath)).rejects.toMatchObject({ code: "ENOENT" });
    const leftovers = (await readdir(destDir)).filter(isTempName);
    expect(leftovers).toHaveLength(1);
    const leftover = join(destDir, leftovers[0]!);
    expect(leftovers[0]!.startsWith(".big.safetensors.sdmodels-tmp-")).toBe(true);

    // The journal was written before the copy began and says which file was in flight.
    const [journalName] = await readdir(journalDir);
    const journal = JSON.parse(await readFile(join(journalDir, journalName!), "utf8")) as JournalData;
    expect(journal.state).toBe("applying");
    expect(journal.entries[0]).toMatchObject({
      source: candidate.source,
      destination: finalPath,
      status: "moving",
      temp: { path: leftover },
    });

    // The next run first recovers the dead batch: it removes exactly the recorded partial copy (fresh or not) and
    // records that nothing of it reached the WebUI; then it installs the file.
    const report = await applyPlan(await plan([candidate], target), { journalDir });
    expect(report.recovered).toEqual([
      { batchId: journal.batchId, pid: killed.pid, installed: [], tempsRemoved: [leftover] },
    ]);
    expect(report.failure).toBeNull();
    expect(report.entries[0]).toMatchObject({ status: "done", method: "copy" });
    expect(report.leftoverTemps).toEqual([]);
    expect((await readdir(destDir)).filter(isTempName)).toEqual([]);
    expect(await sha256File(finalPath)).toBe(sourceHash);
    await expect(stat(candidate.source)).rejects.toMatchObject({ code: "ENOENT" });
    const recovered = JSON.parse(await readFile(join(journalDir, journalName!), "utf8")) as JournalData;
    expect(recovered).toMatchObject({ state: "interrupted", recoveredAt: expect.any(String) });
    expect(recovered.entries[0]).toMatchObject({ status: "interrupted", temp: null });
  }, 180_000);
});

describe("out of space", () => {
  let mounted: string | null = null;
  // Registered after useTempDirs, so it runs first: the mount is gone before the folder is removed.
  afterEach(async () => {
    if (!mounted) return;
    const dir = mounted;
    mounted = null;
    await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
  });

  async function tinyWebui(ctx: { skip: (note: string) => never }) {
    const root = await tempDir();
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", root]);
    } catch (error) {
      ctx.skip(
        `cannot mount a 1 MB tmpfs here (${(error as Error).message.split("\n")[0]}): out-of-space test skipped`,
      );
    }
    mounted = root;
    await touch(root, A1111_MARKERS);
    return { root, target: await resolveWebui({ webui: root, env: {}, cwd: "/" }) };
  }

  it("a copy larger than the target's free space is skipped while planning: the dry run is the truth", async (ctx) => {
    const { root, target } = await tinyWebui(ctx);
    const downloads = await tempDir();
    const big = await modelFile(join(downloads, "big-lora.safetensors"), k("lora"), { shape: [1024, 1024] });
    const small = await modelFile(join(downloads, "small-vae.safetensors"), k("vae"), { shape: [64, 8] });
    expect(big.size).toBeGreaterThan(1024 * 1024);
    for (const dryRun of [true, false]) {
      const planned = await plan([big, small], target, { dryRun });
      expect(planned.entries.map((e) => (e.action === "skip" ? e.reason.code : e.action))).toEqual([
        "no-space",
        "move",
      ]);
    }
    const report = await applyPlan(await plan([big, small], target), { journalDir: join(root, ".sdmodels/journal") });
    expect(report.failure).toBeNull();
    expect(report.entries.map((e) => e.status)).toEqual(["done"]);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual([]);
  });

  it("a target filling up after planning fails with ENOSPC naming the file; source kept, no temp left", async (ctx) => {
    const { root, target } = await tinyWebui(ctx);
    const downloads = await tempDir();
    const journalDir = join(await tempDir(), "journal");
    const candidate = await modelFile(join(downloads, "lora.safetensors"), k("lora"), { shape: [256, 1024] });
    const sourceHash = await sha256File(candidate.source);
    const planned = await plan([candidate], target);
    expect(planned.summary.move).toBe(1);
    // Another program fills the disk between planning and applying.
    await writeFile(join(root, "filler"), Buffer.alloc(1024 * 1024 - candidate.size / 2)).catch(() => undefined);

    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toMatchObject({ code: "ENOSPC", source: candidate.source, detail: expect.any(String) });
    expect(await sha256File(candidate.source)).toBe(sourceHash);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual([]);
    const journal = JSON.parse(await readFile(report.journalPath!, "utf8")) as JournalData;
    expect(journal.state).toBe("failed");
  });
});
