import { execFile } from "node:child_process";
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import type { JournalData } from "../../src/install/journal.js";
import type { MoveEntry } from "../../src/install/types.js";
import { undoBatch } from "../../src/install/undo-batch.js";
import { identityOf } from "../../src/model/file-identity.js";
import { useOtherDeviceDirs, useTempDirs } from "../helpers.js";
import { a1111WithDownloads, filesUnder, classification as k, modelFile, plan, sha256File } from "./fake-webui.js";

const run = promisify(execFile);
const tempDir = useTempDirs("sdmodels-truth-");
const setup = () => a1111WithDownloads(tempDir);
const otherDeviceDir = useOtherDeviceDirs("sdmodels-undo-xdev-");

const readJournal = async (path: string) => JSON.parse(await readFile(path, "utf8")) as JournalData;

describe("every file that reached the WebUI is journaled", () => {
  const mounts: string[] = [];
  afterEach(async () => {
    for (const dir of mounts.splice(0).reverse()) await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
  });

  it("a source on a read-only filesystem is installed as a copy, journaled, reported; undo drops it", async (ctx) => {
    const { root, downloads, target, journalDir } = await setup();
    const readOnly = await tempDir();
    const candidateRw = await modelFile(join(downloads, "ro.safetensors"), k("lora"));
    // A real PNG: a sidecar travels only when its bytes are what its name says.
    await writeSidecars(downloads, ["ro.preview.png"]);
    try {
      await run("mount", ["--bind", downloads, readOnly]);
      mounts.push(readOnly);
      await run("mount", ["-o", "remount,bind,ro", readOnly]);
    } catch (error) {
      ctx.skip(
        `cannot make a read-only bind mount here (${(error as Error).message.split("\n")[0]}): ` +
          `read-only source test skipped`,
      );
    }
    const candidate = {
      ...candidateRw,
      source: join(readOnly, "ro.safetensors"),
      identity: { ...candidateRw.identity!, dev: (await lstat(join(readOnly, "ro.safetensors"))).dev },
    };
    const report = await applyPlan(await plan([candidate], target), { journalDir });

    const installed = join(root, "models/Lora/ro.safetensors");
    expect(report.failure).toBeNull();
    expect(report.entries[0]).toMatchObject({
      status: "done",
      method: "copy",
      sourcesKept: [
        { path: candidate.source, code: "EROFS" },
        { path: join(readOnly, "ro.preview.png"), code: "EROFS" },
      ],
    });
    expect(await sha256File(installed)).toBe(await sha256File(candidate.source));
    const journal = await readJournal(report.journalPath!);
    expect(journal.state).toBe("complete");
    expect(journal.entries[0]).toMatchObject({ status: "done", method: "copy", sourceKept: "EROFS" });
    expect(journal.entries[0]!.sidecars[0]).toMatchObject({ status: "done", method: "copy", sourceKept: "EROFS" });

    const undone = await undoBatch(target);
    expect(undone.refused).toEqual([]);
    expect(undone.restored).toEqual([
      { from: installed, to: null },
      { from: join(root, "models/Lora/ro.preview.png"), to: null },
    ]);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual([]);
    expect(await filesUnder(readOnly)).toEqual(["ro.preview.png", "ro.safetensors"]);
  });

  it("a relative-symlink sidecar in a plan stays behind, reported; its model is installed and undone", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "x.safetensors"), k("lora"));
    await mkdir(join(downloads, "previews"));
    await writeFile(join(downloads, "previews/x.png"), "png");
    await symlink("previews/x.png", join(downloads, "x.preview.png"));
    const planned = await plan([candidate], target);
    // Built by hand: the planner never carries a link sidecar; applying must not carry one either.
    const move = planned.entries[0] as MoveEntry;
    move.sidecars = [
      { source: join(downloads, "x.preview.png"), destination: join(root, "models/Lora/x.preview.png") },
    ];

    const report = await applyPlan(planned, { journalDir });
    expect(report.failure).toBeNull();
    expect(report.entries[0]).toMatchObject({
      status: "done",
      sidecars: [],
      sidecarsLeft: [{ path: join(downloads, "x.preview.png"), reason: { type: "not-a-file", found: "symlink" } }],
    });
    expect(await readdir(join(root, "models/Lora"))).toEqual(["x.safetensors"]);
    const journal = await readJournal(report.journalPath!);
    expect(journal.state).toBe("complete");
    expect(journal.entries[0]).toMatchObject({ status: "done", method: "rename" });
    expect(journal.entries[0]!.sidecars[0]).toMatchObject({ status: "pending", method: null, installed: null });

    const undone = await undoBatch(target);
    expect(undone.refused).toEqual([]);
    expect(undone.restored.map((r) => r.to)).toEqual([candidate.source]);
    expect(await readlink(join(downloads, "x.preview.png"))).toBe("previews/x.png");
    expect(await readFile(join(downloads, "x.preview.png"), "utf8")).toBe("png");
  });
});

describe("a model that is a link in the plan", () => {
  it("is installed as that link, journaled, and undo puts the link back; a sidecar beside it travels too", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const store = await tempDir();
    const link = join(downloads, "x.safetensors");
    const candidate = await modelFile(link, k("lora"));
    await writeSidecars(downloads, ["x.preview.png"]);
    const planned = await plan([candidate], target);
    // Built by hand: the planner skips a model named by a link; applying a plan that holds one moves the link itself.
    const real = join(store, "real.safetensors");
    await rename(link, real);
    await symlink(real, link);
    (planned.entries[0] as MoveEntry).identity = identityOf(await lstat(link));

    const report = await applyPlan(planned, { journalDir });
    expect(report.entries[0]).toMatchObject({
      status: "done",
      method: "rename",
      sidecars: [{ source: join(downloads, "x.preview.png") }],
    });
    const installed = join(root, "models/Lora/x.safetensors");
    expect(await readlink(installed)).toBe(real);
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["x.preview.png"]);
    const journal = await readJournal(report.journalPath!);
    expect(journal.entries[0]).toMatchObject({ status: "done", method: "rename" });

    const undone = await undoBatch(target);
    expect(undone.refused).toEqual([]);
    expect(await readlink(link)).toBe(real);
    expect(await readdir(join(root, "models/Lora"))).toEqual([]);
  });
});

describe("undo across filesystems", () => {
  it("copies the files back and removes the installed copies; a link sidecar stays behind", async (ctx) => {
    const sourceDir = await otherDeviceDir(ctx);
    const { root, target, journalDir } = await setup();
    const candidate = await modelFile(join(sourceDir, "x.safetensors"), k("lora"));
    await writeSidecars(sourceDir, ["x.civitai.info"]);
    await symlink("elsewhere/x.png", join(sourceDir, "x.preview.png"));
    const hash = await sha256File(candidate.source);
    const planned = await plan([candidate], target);
    // The link added by hand: the planner never carries one, and a copy must not recreate it.
    const move = planned.entries[0] as MoveEntry;
    move.sidecars = [
      ...move.sidecars,
      { source: join(sourceDir, "x.preview.png"), destination: join(root, "models/Lora/x.preview.png") },
    ];
    const applied = await applyPlan(planned, { journalDir });
    expect(applied.entries[0]).toMatchObject({
      status: "done",
      method: "copy",
      sidecarsLeft: [{ path: join(sourceDir, "x.preview.png"), reason: { type: "not-a-file", found: "symlink" } }],
    });
    expect((await readdir(join(root, "models/Lora"))).sort()).toEqual(["x.civitai.info", "x.safetensors"]);
    expect(await readdir(sourceDir)).toEqual(["x.preview.png"]);

    const undone = await undoBatch(target);
    expect(undone.refused).toEqual([]);
    expect(undone.restored.map((r) => r.to).sort()).toEqual([join(sourceDir, "x.civitai.info"), candidate.source]);
    expect(await sha256File(candidate.source)).toBe(hash);
    expect(await readlink(join(sourceDir, "x.preview.png"))).toBe("elsewhere/x.png");
    expect(await filesUnder(join(root, "models/Lora"))).toEqual([]);
    expect((await lstat(join(root, "models/Lora"))).isDirectory()).toBe(true);
  });
});

describe("undo acts only on what it can prove", () => {
  it("refuses a planted journal whose entries point outside the WebUI; nothing moves", async () => {
    const { root, downloads, target, journalDir } = await setup();
    // A real batch gives the planted one a believable shape.
    const applied = await applyPlan(
      await plan([await modelFile(join(downloads, "a.safetensors"), k("lora"))], target),
      { journalDir },
    );
    const genuine = await readJournal(applied.journalPath!);
    const victim = await tempDir();
    await writeFile(join(victim, "id_rsa"), "private key");
    const stash = join(downloads, "stash");
    const planted: JournalData = {
      ...genuine,
      batchId: "2099-01-01T00-00-00-000Z-ffffff",
      createdAt: "2099-01-01T00:00:00.000Z",
      sourceDirs: [stash],
      entries: [
        { ...genuine.entries[0]!, source: join(stash, "id_rsa"), destination: join(victim, "id_rsa"), sidecars: [] },
      ],
    };
    await writeFile(join(journalDir, `${planted.batchId}.json`), JSON.stringify(planted), { mode: 0o600 });
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining("lies outside the WebUI"),
    });
    expect(await readFile(join(victim, "id_rsa"), "utf8")).toBe("private key");
    expect(await filesUnder(downloads)).toEqual([]);

    // Inside the WebUI but not the file any batch installed: the identity gives it away.
    await writeFile(join(root, "models/Lora/theirs.safetensors"), "a model the user installed by hand");
    planted.entries = [
      {
        ...genuine.entries[0]!,
        source: join(stash, "theirs.safetensors"),
        destination: join(root, "models/Lora/theirs.safetensors"),
        sidecars: [],
      },
    ];
    await writeFile(join(journalDir, `${planted.batchId}.json`), JSON.stringify(planted), { mode: 0o600 });
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining("is not the file installed"),
    });
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["a.safetensors", "theirs.safetensors"]);
  });

  it("refuses a journal others can write, or that belongs to another user", async () => {
    const { downloads, target, journalDir } = await setup();
    const applied = await applyPlan(
      await plan([await modelFile(join(downloads, "a.safetensors"), k("lora"))], target),
      { journalDir },
    );
    await chmod(applied.journalPath!, 0o666);
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining("writable by others"),
    });
    await chmod(applied.journalPath!, 0o600);
    await chmod(journalDir, 0o777);
    await expect(undoBatch(target)).rejects.toMatchObject({
      code: "journal-untrusted",
      message: expect.stringContaining("writable by others"),
    });
    await chmod(journalDir, 0o700);
    if (process.getuid?.() === 0) {
      await run("chown", ["65534", applied.journalPath!]);
      await expect(undoBatch(target)).rejects.toMatchObject({
        code: "journal-untrusted",
        message: expect.stringContaining("belongs to user 65534"),
      });
      await run("chown", ["0", applied.journalPath!]);
    }
    expect((await undoBatch(target)).restored).toHaveLength(1);
    expect(await filesUnder(downloads)).toEqual(["a.safetensors"]);
  });

  it("a copy install whose original was replaced since keeps the installed copy", async () => {
    const { root, downloads, target, journalDir } = await setup();
    const candidate = await modelFile(join(downloads, "keep.safetensors"), k("vae"));
    await applyPlan(await plan([candidate], target, { copy: true }), { journalDir });
    await writeFile(candidate.source, "another file under the old name");
    const report = await undoBatch(target);
    expect(report.restored).toEqual([]);
    expect(report.refused).toEqual([
      { code: "original-occupied", path: join(root, "models/VAE/keep.safetensors"), original: candidate.source },
    ]);
    expect(await sha256File(join(root, "models/VAE/keep.safetensors"))).not.toBe(await sha256File(candidate.source));
    expect(await filesUnder(join(root, "models/VAE"))).toEqual(["keep.safetensors"]);
  });
});

describe("recovery", () => {
  it("an unreadable journal (another version, a torn file) does not block the next install", async () => {
    const { downloads, target, journalDir } = await setup();
    await mkdir(journalDir, { recursive: true });
    await writeFile(
      join(journalDir, "2020-01-01T00-00-00-000Z-aaaaaa.json"),
      JSON.stringify({ version: 1, entries: [] }),
    );
    const report = await applyPlan(await plan([await modelFile(join(downloads, "a.safetensors"), k("lora"))], target), {
      journalDir,
    });
    expect(report).toMatchObject({ failure: null, recovered: [] });
    expect(report.entries[0]!.status).toBe("done");
  });

  it("never writes a journal through a planted link, and never recovers a journal others could write", async () => {
    const { downloads, target, journalDir } = await setup();
    const elsewhere = await tempDir();
    await mkdir(join(journalDir, ".."), { recursive: true });
    await symlink(elsewhere, journalDir);
    const candidate = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    await expect(applyPlan(await plan([candidate], target), { journalDir })).rejects.toMatchObject({
      code: "journal-invalid",
    });
    expect(await filesUnder(elsewhere)).toEqual([]);
    await rm(journalDir);

    // A stale batch in a journal that is group-writable: it may not be ours to act on.
    const applied = await applyPlan(await plan([candidate], target), { journalDir });
    const journal = await readJournal(applied.journalPath!);
    Object.assign(journal, { state: "applying", pid: 2 ** 22 + 1 });
    await writeFile(applied.journalPath!, JSON.stringify(journal));
    await chmod(applied.journalPath!, 0o664);
    const next = await applyPlan(await plan([await modelFile(join(downloads, "b.safetensors"), k("vae"))], target), {
      journalDir,
    });
    expect(next.recovered).toEqual([]);
    expect((await readJournal(applied.journalPath!)).state).toBe("applying");
  });
});
