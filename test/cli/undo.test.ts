import { spawnSync } from "node:child_process";
import { appendFile, lstat, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import type { JournalData } from "../../src/install/journal.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch, webuiAndDownloads } from "../install/fake-webui.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-undo-");
const lora = fixtureById("sd1-lora-kohya");

async function installOne(name: string) {
  const { webui, downloads, env } = await webuiAndDownloads(tempDir);
  const source = await writeModelFixture(lora, "safetensors", downloads, name);
  const run = await cli(["install", source, "--webui", webui, "--json"], { env });
  expect(run.code).toBe(0);
  return { webui, downloads, env, source, batchId: JSON.parse(run.stdout).batchId as string };
}

describe("sdmodels undo", () => {
  it("exits 5 when nothing was ever installed into the WebUI, and 1 when no WebUI is found", async () => {
    const root = await tempDir();
    await touch(join(root, "webui"), A1111_MARKERS);
    const env = { SDMODELS_STATE_DIR: join(root, "state"), SDMODELS_WEBUI: undefined };
    const none = await cli(["undo", "--webui", join(root, "webui")], { env });
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(
      /^sdmodels: no batch to undo in .*: nothing was installed into this WebUI with sdmodels \(pass --webui for another one\)\n$/,
    );
    const list = await cli(["undo", "--list", "--webui", join(root, "webui")], { env });
    expect([list.code, list.stdout]).toEqual([0, `no batches in ${join(root, "webui/.sdmodels/journal")}\n`]);

    const noWebui = await cli(["undo"], { env, cwd: root });
    expect(noWebui.code).toBe(1);
    expect(noWebui.stderr).toMatch(/^sdmodels: .*pass --webui <dir> or set SDMODELS_WEBUI\n$/);
  });

  it("--list shows the batches, and undo without an id reverts the newest", async () => {
    const s = await installOne("a.safetensors");
    const list = await cli(["undo", "--list", "--webui", s.webui, "--json"], { env: s.env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { batchId: s.batchId, createdAt: expect.any(String), ui: "a1111", state: "complete", mode: "move", files: 1 },
    ]);

    const undo = await cli(["undo", "--webui", s.webui], { env: s.env });
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain(`batch ${s.batchId}: 1 restored, 0 left in place`);
    expect(await filesUnder(s.downloads)).toEqual(["a.safetensors"]);

    const again = await cli(["undo", "--webui", s.webui], { env: s.env });
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^sdmodels: no batch to undo in .*journal: all 1 batch is undone already\n$/);

    const unknown = await cli(["undo", "2020-01-01T00-00-00-000Z-000000", "--webui", s.webui], { env: s.env });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(
      /^sdmodels: no batch 2020-01-01T00-00-00-000Z-000000 in .*journal; `sdmodels undo --list` shows the batches there\n$/,
    );
  });

  it("refuses the whole batch when a file changed since install: one line, exit 2, nothing moved", async () => {
    const s = await installOne("b.safetensors");
    const installed = join(s.webui, "models/Lora/b.safetensors");
    await appendFile(installed, "x");
    const undo = await cli(["undo", s.batchId, "--webui", s.webui, "--json"], { env: s.env });
    expect(undo.code).toBe(2);
    expect(undo.stdout).toBe("");
    expect(undo.stderr).toBe(
      `sdmodels: refusing to undo batch ${s.batchId}: ${installed} is not the file installed: ` +
        `its size changed; nothing was moved\n`,
    );
    expect(await filesUnder(s.downloads)).toEqual([]);
  });

  it("first recovers a batch a killed run left applying, says so, drops its partial copy, then undoes it", async () => {
    const s = await installOne("c.safetensors");
    const journalPath = join(s.webui, ".sdmodels/journal", `${s.batchId}.json`);
    // What a run killed right after link() leaves: the batch applying, the file moving, and a partial copy of a
    // sidecar it had started; its process is gone.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const temp = join(s.webui, "models/Lora/.c.preview.png.sdmodels-tmp-0123456789ab");
    await writeFile(temp, "partial");
    const tempInfo = await lstat(temp);
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as JournalData;
    journal.state = "applying";
    journal.pid = dead;
    Object.assign(journal.entries[0]!, { status: "moving", installed: null, method: null });
    journal.entries[0]!.sidecars = [
      {
        ...journal.entries[0]!,
        source: join(s.downloads, "c.preview.png"),
        destination: join(s.webui, "models/Lora/c.preview.png"),
        temp: { path: temp, dev: tempInfo.dev, ino: tempInfo.ino },
      },
    ];
    await writeFile(journalPath, JSON.stringify(journal));

    const undo = await cli(["undo", "--webui", s.webui], { env: s.env });
    expect(undo.stderr).toContain(
      `sdmodels: recovered batch ${s.batchId}, left half-applied by process ${dead} which is gone: ` +
        `1 file had been installed, 1 partial copy removed`,
    );
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain(`batch ${s.batchId}: 1 restored, 0 left in place`);
    expect(await filesUnder(s.downloads)).toEqual(["c.safetensors"]);
    expect(await filesUnder(join(s.webui, "models/Lora"))).toEqual([]);
  });
});
