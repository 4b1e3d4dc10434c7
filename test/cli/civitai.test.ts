import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServers, startFakeServers } from "../../fixtures/fake-servers.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { PNG_PREVIEW } from "../../fixtures/sidecar-files.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch, treeListing } from "../install/fake-webui.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-civitai-");
let fake: FakeServers;
beforeAll(async () => {
  fake = await startFakeServers();
});
afterAll(async () => fake.close());

async function setup() {
  const root = await tempDir();
  const webui = join(root, "webui");
  await touch(webui, A1111_MARKERS);
  await mkdir(join(root, "files"));
  const env = {
    SDMODELS_CIVITAI_URL: fake.civitaiUrl,
    HF_ENDPOINT: fake.hfUrl,
    SDMODELS_STATE_DIR: join(root, "state"),
    CIVITAI_TOKEN: undefined,
    HF_TOKEN: undefined,
  };
  return { root, webui, files: join(root, "files"), env };
}

async function fixtureBytes(id: string, dir: string): Promise<Buffer> {
  return readFile(await writeModelFixture(fixtureById(id), "safetensors", dir, `${id}.safetensors`));
}

describe("Civitai and Hugging Face through install and inspect", () => {
  it("install <Civitai page URL> downloads via REST → 307 → storage and installs the LoRA with sidecars", async () => {
    const s = await setup();
    const content = await fixtureBytes("sdxl-lora-peft-diffusers", s.files);
    fake.publishCivitaiVersion({
      versionId: 201,
      modelId: 20,
      fileName: "detail.safetensors",
      content,
      modelType: "LORA",
      preview: PNG_PREVIEW,
    });
    const run = await cli(
      ["install", `${fake.civitaiUrl}/models/20?modelVersionId=201`, "--webui", s.webui, "--json"],
      { env: s.env },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const lora = join(s.webui, "models/Lora");
    expect(report.plan).toMatchObject([
      { action: "move", destination: join(lora, "detail.safetensors"), kind: "lora", base: "sdxl" },
    ]);
    expect(report.downloads).toMatchObject([
      {
        service: "civitai",
        downloaded: true,
        size: content.length,
        civitai: { versionId: 201, type: "LORA", disagreements: [] },
      },
    ]);
    expect(await filesUnder(lora)).toEqual(["detail.civitai.info", "detail.preview.png", "detail.safetensors"]);
    expect(JSON.parse(await readFile(join(lora, "detail.civitai.info"), "utf8"))).toMatchObject({
      id: 201,
      modelId: 20,
    });
    expect(await readFile(join(lora, "detail.preview.png"))).toEqual(PNG_PREVIEW);
    expect(await filesUnder(join(s.webui, ".sdmodels/downloads"))).toEqual([]);
    const hosts = fake.requests.filter((r) => r.url.includes("201")).map((r) => r.host);
    expect(hosts).toEqual(expect.arrayContaining(["civitai", "storage"]));
  }, 60_000);

  it("install --dry-run <URL> prints name, size and destination without downloading", async () => {
    const s = await setup();
    const content = await fixtureBytes("sdxl-lora-peft-diffusers", s.files);
    fake.publishCivitaiVersion({
      versionId: 202,
      modelId: 21,
      fileName: "planned.safetensors",
      content,
      modelType: "LORA",
    });
    const before = await treeListing(s.webui);
    const run = await cli(
      ["install", `${fake.civitaiUrl}/models/21?modelVersionId=202`, "--webui", s.webui, "--dry-run"],
      { env: s.env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("would download");
    expect(run.stdout).toContain("as planned.safetensors");
    expect(run.stdout).toContain(`to ${join(s.webui, "models/Lora/planned.safetensors")}`);
    expect(await treeListing(s.webui)).toEqual(before);
    expect(fake.requestsTo("storage").filter((r) => r.url.includes("civitai-202"))).toEqual([]);
  });

  it("install <HF blob URL> installs the file by its header; a wrong --sha256 exits 8, installs nothing", async () => {
    const s = await setup();
    const content = await fixtureBytes("sd1-embedding-emb-params", s.files);
    fake.addHfFile("someone/embeddings", "main", "bad-hands.safetensors", content, { lfs: true });
    const url = `${fake.hfUrl}/someone/embeddings/blob/main/bad-hands.safetensors`;
    const mismatch = await cli(["install", url, "--webui", s.webui, "--sha256", "f".repeat(64)], { env: s.env });
    expect(mismatch.code).toBe(8);
    expect(mismatch.stderr).toMatch(/^sdmodels: .*does not match the expected f{64}\n$/);
    await expect(stat(join(s.webui, "embeddings/bad-hands.safetensors"))).rejects.toThrow();

    const run = await cli(["install", url, "--webui", s.webui, "--json"], { env: s.env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).plan).toMatchObject([
      { action: "move", destination: join(s.webui, "embeddings/bad-hands.safetensors"), kind: "embedding" },
    ]);
    expect(await readFile(join(s.webui, "embeddings/bad-hands.safetensors"))).toEqual(content);
  });

  it("install <URL> of a gated file exits 4 with the advice line and downloads nothing", async () => {
    const s = await setup();
    fake.publishCivitaiVersion({
      versionId: 203,
      modelId: 22,
      fileName: "locked.safetensors",
      content: Buffer.from("x"),
      modelType: "LORA",
      requireToken: "t0ken",
    });
    const run = await cli(["install", `${fake.civitaiUrl}/models/22?modelVersionId=203`, "--webui", s.webui], {
      env: s.env,
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^sdmodels: .*HTTP 401 .*set CIVITAI_TOKEN \(or pass --token\).*\n$/);
    expect(await filesUnder(join(s.webui, "models/Lora"))).toEqual([]);
  });

  it("inspect --civitai writes the sidecars beside the file and names a type/base disagreement", async () => {
    const s = await setup();
    const content = await fixtureBytes("sd1-ia3-lycoris", s.files);
    fake.publishCivitaiVersion({
      versionId: 204,
      modelId: 23,
      fileName: "not-a-checkpoint.safetensors",
      content,
      modelType: "Checkpoint",
      baseModel: "SDXL 1.0",
      preview: PNG_PREVIEW,
    });
    const file = join(s.files, "sd1-ia3-lycoris.safetensors");
    const run = await cli(["inspect", file, "--civitai", "--json"], { env: s.env });
    expect(run.code).toBe(0);
    const [report] = JSON.parse(run.stdout);
    expect(report).toMatchObject({ kind: "lora", base: "sd1" });
    expect(report.civitai).toMatchObject({
      found: true,
      versionId: 204,
      type: "Checkpoint",
      disagreements: [
        "Civitai says Checkpoint, the header says lora",
        "Civitai says SDXL 1.0 (sdxl), the header says sd1",
      ],
      sidecars: [join(s.files, "sd1-ia3-lycoris.civitai.info"), join(s.files, "sd1-ia3-lycoris.preview.png")],
    });
    const human = await cli(["inspect", file, "--civitai"], { env: s.env });
    expect(human.stdout).toContain("disagrees with the header");
    expect(human.stdout).toContain("- Civitai says Checkpoint, the header says lora");
  });

  it("install --civitai looks a local file up, and the sidecars move with it", async () => {
    const s = await setup();
    const content = await fixtureBytes("sdxl-lokr-lycoris", s.files);
    fake.publishCivitaiVersion({
      versionId: 205,
      modelId: 24,
      fileName: "x.safetensors",
      content,
      modelType: "LyCORIS",
      preview: PNG_PREVIEW,
    });
    const file = join(s.files, "sdxl-lokr-lycoris.safetensors");
    const run = await cli(["install", file, "--webui", s.webui, "--civitai", "--json"], { env: s.env });
    expect(run.code).toBe(0);
    const [entry] = JSON.parse(run.stdout).plan;
    expect(entry.civitai).toMatchObject({ found: true, versionId: 205, disagreements: [] });
    expect(entry.sidecars).toHaveLength(2);
    expect(await filesUnder(join(s.webui, "models/Lora"))).toEqual([
      "sdxl-lokr-lycoris.civitai.info",
      "sdxl-lokr-lycoris.preview.png",
      "sdxl-lokr-lycoris.safetensors",
    ]);
  });
});
