import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODEL_FIXTURES } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch } from "../install/fake-webui.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-undo-");
const lora = MODEL_FIXTURES.find((f) => f.id === "sd1-lora-kohya")!;

async function installOne(name: string) {
  const root = await tempDir();
  const webui = join(root, "webui");
  const downloads = join(root, "downloads");
  await touch(webui, A1111_MARKERS);
  await mkdir(downloads);
  const env = { SDMODELS_STATE_DIR: join(root, "state") };
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
    expect(none.stderr).toMatch(/^sdmodels: no batch to undo in .*: nothing was installed into this WebUI with sdmodels \(pass --webui for another one\)\n$/);
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
    expect(JSON.parse(list.stdout)).toEqual([{ batchId: s.batchId, createdAt: expect.any(String), ui: "a1111", state: "complete", mode: "move", files: 1 }]);

    const undo = await cli(["undo", "--webui", s.webui], { env: s.env });
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain(`batch ${s.batchId}: 1 restored, 0 left in place`);
    expect(await filesUnder(s.downloads)).toEqual(["a.safetensors"]);

    const again = await cli(["undo", "--webui", s.webui], { env: s.env });
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^sdmodels: no batch to undo in .*journal: all 1 batch is undone already\n$/);

    const unknown = await cli(["undo", "2020-01-01T00-00-00-000Z-000000", "--webui", s.webui], { env: s.env });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/^sdmodels: no batch 2020-01-01T00-00-00-000Z-000000 in .*journal; `sdmodels undo --list` shows the batches there\n$/);
  });

  it("leaves a file changed since install in place, reports it per file and exits 2", async () => {
    const s = await installOne("b.safetensors");
    const installed = join(s.webui, "models/Lora/b.safetensors");
    await appendFile(installed, "x");
    const undo = await cli(["undo", s.batchId, "--webui", s.webui, "--json"], { env: s.env });
    expect(undo.code).toBe(2);
    expect(JSON.parse(undo.stdout)).toMatchObject({ restored: [], refused: [{ path: installed, reason: expect.stringContaining("changed since install") }] });
    expect(undo.stderr).toBe(`sdmodels: ${installed}: changed since install (size or mtime differ); left in place\n`);
    expect(await filesUnder(s.downloads)).toEqual([]);
  });
});
