import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lookupCivitaiByHash } from "../../src/civitai/lookup-by-hash.js";
import { writeCivitaiSidecars } from "../../src/civitai/write-sidecars.js";
import { hashFile } from "../../src/hash/hash-file.js";
import { useTempDirs } from "../helpers.js";
import { useFakeServers } from "../use-fake-servers.js";

const tempDir = useTempDirs();
const fake = useFakeServers();

describe("Civitai lookup by hash and sidecars", () => {
  it("finds a file's version by SHA-256, writes .civitai.info (unknown fields kept) and .preview.png", async () => {
    const dir = await tempDir();
    const content = Buffer.from("a LoRA, honestly ".repeat(300));
    const preview = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    fake().publishCivitaiVersion({
      versionId: 368189,
      modelId: 328553,
      fileName: "detail.safetensors",
      content,
      modelType: "LORA",
      preview,
      extra: { futureField: { nested: [1, 2] } },
    });
    const modelPath = join(dir, "renamed locally.safetensors");
    await writeFile(modelPath, content);
    const { sha256 } = await hashFile(modelPath);
    const opts = { civitaiBaseUrl: fake().civitaiUrl, tokens: new Map<string, string>() };
    const version = await lookupCivitaiByHash(sha256, opts);
    expect(version).toMatchObject({ id: 368189, modelId: 328553, model: { type: "LORA" } });
    expect(fake().requestsTo("civitai")[0]?.url).toBe(`/api/v1/model-versions/by-hash/${sha256}`);

    const written = await writeCivitaiSidecars(modelPath, version!, { tokens: new Map() });
    expect(written).toEqual([join(dir, "renamed locally.civitai.info"), join(dir, "renamed locally.preview.png")]);
    const info = JSON.parse(await readFile(written[0]!, "utf8"));
    expect(info.futureField).toEqual({ nested: [1, 2] });
    expect(info.files[0].pickleScanResult).toBe("Success");
    expect(info.images[0].type).toBe("video");
    expect(await readFile(written[1]!)).toEqual(preview); // the first image of type "image", not the video
    expect((await readdir(dir)).sort()).toEqual([
      "renamed locally.civitai.info",
      "renamed locally.preview.png",
      "renamed locally.safetensors",
    ]);

    // Existing sidecars are kept unless overwrite is asked for.
    expect(await writeCivitaiSidecars(modelPath, version!, { tokens: new Map() })).toEqual([]);
    expect(await writeCivitaiSidecars(modelPath, version!, { tokens: new Map(), overwrite: true })).toHaveLength(2);
  });

  it("answers null for an unknown hash and accepts short hashes case-insensitively", async () => {
    const content = Buffer.from("x".repeat(100));
    fake().publishCivitaiVersion({ versionId: 1, modelId: 1, fileName: "x.safetensors", content });
    const opts = { civitaiBaseUrl: fake().civitaiUrl, tokens: new Map<string, string>() };
    expect(await lookupCivitaiByHash("ab".repeat(32), opts)).toBeNull();
    const autov2 = createHash("sha256").update(content).digest("hex").slice(0, 10).toUpperCase();
    expect((await lookupCivitaiByHash(autov2, opts))?.id).toBe(1);
  });

  it("retries the API on 5xx and then gives the network exit code", async () => {
    let calls = 0;
    fake().route("civitai", `/api/v1/model-versions/by-hash/${"cd".repeat(32)}`, (_req, res) => {
      calls++;
      res.writeHead(503).end("busy");
    });
    const error = await lookupCivitaiByHash("cd".repeat(32), {
      civitaiBaseUrl: fake().civitaiUrl,
      tokens: new Map(),
      retries: 2,
      retryBaseDelayMs: 5,
    }).catch((e: unknown) => e as { code: string });
    expect(error).toMatchObject({ code: "network" });
    expect(calls).toBe(3);
  });

  it("retries an answer cut off mid-body, and names the API URL when it keeps failing", async () => {
    const json = JSON.stringify({ id: 5, modelId: 6, files: [] });
    const path = `/api/v1/model-versions/by-hash/${"ef".repeat(32)}`;
    let calls = 0;
    let cutsLeft = 1;
    fake().route("civitai", path, (_req, res) => {
      calls++;
      res.writeHead(200, { "content-type": "application/json", "content-length": json.length });
      if (cutsLeft-- > 0) {
        res.write(json.slice(0, 5));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(json);
      }
    });
    const options = {
      civitaiBaseUrl: fake().civitaiUrl,
      tokens: new Map<string, string>(),
      retries: 1,
      retryBaseDelayMs: 5,
    };
    expect((await lookupCivitaiByHash("ef".repeat(32), options))?.id).toBe(5);
    expect(calls).toBe(2);

    cutsLeft = 99;
    const error = (await lookupCivitaiByHash("ef".repeat(32), options).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(error).toMatchObject({ code: "network" });
    expect(error.message).toContain(`${new URL(fake().civitaiUrl).host}${path}`);
  });
});
