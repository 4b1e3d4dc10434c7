import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdir, readFile, rename, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal, journalOwnershipProblem } from "../../src/install/journal.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs("sdmodels-journal-");

/** A batch of one installed file, as applyPlan starts it. */
async function batch(dir: string): Promise<Journal> {
  const journal = await Journal.create(dir, {
    webuiRoot: "/webui",
    ui: "a1111",
    mode: "move",
    sourceDirs: ["/downloads"],
    createdDirs: [],
    entries: [
      {
        source: "/downloads/a.safetensors",
        destination: "/webui/models/Lora/a.safetensors",
        size: 5,
        sha256: null,
        status: "done",
        method: "rename",
        sourceIdentity: { dev: 1, ino: 2, size: 5, mtimeMs: 3, ctimeMs: 4 },
        temp: { path: "/webui/models/Lora/.a.safetensors.sdmodels-tmp-1", dev: 1, ino: 9 },
        installed: { dev: 1, ino: 2, size: 5, mtimeMs: 3, ctimeMs: 4 },
        sourceKept: null,
        tree: null,
        sidecars: [],
      },
    ],
  });
  return journal;
}

describe("Journal on disk", () => {
  it("starts a batch as `applying` under an id made of its time (no ':' for Windows) and reads it back whole", async () => {
    const dir = await tempDir();
    const journal = await batch(dir);
    expect(journal.data.batchId).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{6}$/);
    expect(journal.path).toBe(join(dir, `${journal.data.batchId}.json`));
    expect(journal.data.state).toBe("applying");
    expect((await Journal.read(journal.path)).data).toEqual(journal.data);
  });

  it("reads back every state and file status a batch goes through", async () => {
    const dir = await tempDir();
    const journal = await batch(dir);
    const states = ["applying", "complete", "failed", "interrupted", "undone", "partially-undone"] as const;
    const statuses = ["pending", "moving", "done", "failed", "changed", "interrupted", "undone"] as const;
    for (const [i, status] of statuses.entries()) {
      const state = states[i % states.length]!;
      const entry = journal.data.entries[0]!;
      Object.assign(journal.data, { state, mode: i % 2 ? "copy" : "move" });
      Object.assign(entry, { status, method: i % 2 ? "copy" : "rename" });
      const { sidecars: _, ...file } = entry;
      entry.sidecars = [{ ...file, status: statuses[(i + 1) % statuses.length]! }];
      await journal.save();
      expect((await Journal.read(journal.path)).data).toEqual(journal.data);
    }
  });

  it("refuses a torn journal and one of another shape, naming the file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "torn.json"), '{"version": 2, "batchId": "x"');
    await expect(Journal.read(join(dir, "torn.json"))).rejects.toMatchObject({
      code: "journal-invalid",
      message: expect.stringMatching(new RegExp(`^cannot read journal ${join(dir, "torn.json")}: `)),
    });
    const journal = await batch(dir);
    const data = JSON.parse(await readFile(journal.path, "utf8"));
    data.entries[0].temp = { path: "/elsewhere" };
    await writeFile(journal.path, JSON.stringify(data));
    await expect(Journal.read(journal.path)).rejects.toMatchObject({
      code: "journal-invalid",
      message: `journal ${journal.path} has an unexpected shape (written by another sdmodels version?)`,
    });
  });

  it("lists batches by time even when a file was renamed, and ignores the temp file a crash left mid-save", async () => {
    const dir = await tempDir();
    // A millisecond apart: batches of one millisecond are ordered by their random suffix.
    const later = () => new Promise((next) => setTimeout(next, 2));
    const first = await batch(dir);
    await later();
    const second = await batch(dir);
    await later();
    const third = await batch(dir);
    // A user's copy named so it sorts last by name still counts by when its batch was made.
    await rename(first.path, join(dir, "z-kept-copy.json"));
    await writeFile(`${third.path}.0123abcd.tmp`, '{"version": 2, "ba');
    const listed = await Journal.list(dir);
    expect(listed.map((j) => j.data.batchId)).toEqual([first, second, third].map((j) => j.data.batchId));
  });

  it("says why there is no batch to undo: none was made, or one or several are undone already", async () => {
    const dir = await tempDir();
    await expect(Journal.find(dir)).rejects.toMatchObject({
      code: "journal-not-found",
      message: `no batch to undo in ${dir}: nothing was installed into this WebUI with sdmodels (pass --webui for another one)`,
    });
    await expect(Journal.find(dir, "2020-01-01T00-00-00-000Z-abcdef")).rejects.toMatchObject({
      code: "journal-not-found",
      message: `no batch 2020-01-01T00-00-00-000Z-abcdef in ${dir}; \`sdmodels undo --list\` shows the batches there`,
    });
    for (const count of [1, 2]) {
      const journal = await batch(dir);
      journal.data.state = "undone";
      await journal.save();
      await expect(Journal.find(dir)).rejects.toMatchObject({
        message: `no batch to undo in ${dir}: all ${count} ${count === 1 ? "batch is" : "batches are"} undone already`,
      });
    }
  });

  it.runIf(existsSync("/proc/self/fd"))("closes the file it saves to", async () => {
    const journal = await batch(await tempDir());
    const before = readdirSync("/proc/self/fd").length;
    for (let i = 0; i < 5; i++) await journal.save();
    expect(readdirSync("/proc/self/fd").length).toBe(before);
  });
});

describe("who may have written the journal", () => {
  it("narrows our own group-writable folder (umask 002) to the owner, and leaves another user's alone", async () => {
    const base = await tempDir();
    const ours = join(base, "ours");
    await mkdir(ours);
    await chmod(ours, 0o775);
    await batch(ours);
    expect((await stat(ours)).mode & 0o777).toBe(0o755);

    const theirs = join(base, "theirs");
    await mkdir(theirs);
    await chmod(theirs, 0o777);
    if (process.getuid?.() !== 0) return; // only root can give a folder to another user
    await chown(theirs, 12345, 12345);
    await batch(theirs);
    expect((await stat(theirs)).mode & 0o777).toBe(0o777);
  });

  it("refuses a journal folder that is a link, and a journal file that is a link", async () => {
    const base = await tempDir();
    await mkdir(join(base, "real"));
    await symlink("real", join(base, "journal"));
    await expect(batch(join(base, "journal"))).rejects.toMatchObject({
      code: "journal-invalid",
      message: `${join(base, "journal")} is a symbolic link; sdmodels keeps its journal only in a real folder`,
    });

    const dir = join(base, "plain");
    const journal = await batch(dir);
    await rename(journal.path, join(dir, "elsewhere.json"));
    await symlink("elsewhere.json", journal.path);
    expect(await journalOwnershipProblem(journal.path)).toBe(`${journal.path} is a symbolic link`);
  });
});
