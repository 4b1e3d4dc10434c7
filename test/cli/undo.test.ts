import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODEL_FIXTURES } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch } from "../install/fake-webui.js";
import { useBuiltCli } from "./run-cli.js";

const cli = useBuiltCli();
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
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^sdmodels: no batch to undo in .*journal\n$/);
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
