import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { resolveSource } from "../../src/app/resolve-source.js";
import { downloadFile } from "../../src/download/download-file.js";
import { DownloadError } from "../../src/download/errors.js";
import { parseSource } from "../../src/download/parse-source.js";
import { createTokenSet } from "../../src/download/tokens.js";
import { useTempDirs } from "../helpers.js";
import { useFakeServers } from "../use-fake-servers.js";
import { rejection, sha256 } from "./download-checks.js";

const tempDir = useTempDirs();
const fake = useFakeServers();
const bases = () => ({ civitaiBaseUrl: fake().civitaiUrl, hfBaseUrl: fake().hfUrl });

describe("parseSource", () => {
  const b = { civitaiBaseUrl: "https://civitai.com", hfBaseUrl: "https://huggingface.co" };
  it("recognises Civitai URL forms and AIRs", () => {
    expect(parseSource("https://civitai.com/models/827184/wai?modelVersionId=2514310", b)).toMatchObject({
      service: "civitai",
      modelId: 827184,
      versionId: 2514310,
    });
    expect(parseSource("https://civitai.com/models/827184", b)).toMatchObject({
      modelId: 827184,
      versionId: undefined,
    });
    expect(parseSource("https://civitai.com/api/v1/model-versions/5", b)).toMatchObject({ versionId: 5 });
    expect(parseSource("https://civitai.com/api/download/models/5?type=Model&format=SafeTensor", b)).toMatchObject({
      versionId: 5,
      downloadUrl: "https://civitai.com/api/download/models/5?type=Model&format=SafeTensor",
    });
    expect(parseSource("urn:air:sdxl:lora:civitai:328553@368189", b)).toMatchObject({
      service: "civitai",
      modelId: 328553,
      versionId: 368189,
    });
    expect(parseSource("urn:air:flux1:checkpoint:civitai:1@2+3.safetensors", b)).toMatchObject({
      modelId: 1,
      versionId: 2,
      fileId: 3,
    });
  });

  it("maps Hugging Face blob URLs to resolve URLs, including datasets", () => {
    expect(parseSource("https://huggingface.co/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors", b)).toEqual({
      service: "huggingface",
      repoId: "stabilityai/sdxl-vae",
      revision: "main",
      path: "sdxl_vae.safetensors",
      resolveUrl: "https://huggingface.co/stabilityai/sdxl-vae/resolve/main/sdxl_vae.safetensors",
    });
    expect(parseSource("https://huggingface.co/datasets/o/r/resolve/v1/a/b.bin", b)).toMatchObject({
      repoId: "datasets/o/r",
      path: "a/b.bin",
    });
  });

  it("honours HF_ENDPOINT as huggingface_hub does: hub and mirror URLs (even under a path) use the mirror", () => {
    const mirror = { ...b, hfBaseUrl: "https://hf-mirror.com" };
    const resolveUrl = "https://hf-mirror.com/o/r/resolve/main/x.safetensors";
    expect(parseSource("https://huggingface.co/o/r/blob/main/x.safetensors", mirror)).toMatchObject({
      service: "huggingface",
      resolveUrl,
    });
    expect(parseSource("https://hf-mirror.com/o/r/resolve/main/x.safetensors", mirror)).toMatchObject({
      repoId: "o/r",
      resolveUrl,
    });
    const prefixed = { ...b, hfBaseUrl: "https://mirror.example/hf" };
    expect(parseSource("https://mirror.example/hf/o/r/resolve/v1/a/x.safetensors", prefixed)).toMatchObject({
      repoId: "o/r",
      revision: "v1",
      path: "a/x.safetensors",
      resolveUrl: "https://mirror.example/hf/o/r/resolve/v1/a/x.safetensors",
    });
    expect(parseSource("https://hf.co/o/r/resolve/main/x.safetensors", prefixed)).toMatchObject({
      resolveUrl: "https://mirror.example/hf/o/r/resolve/main/x.safetensors",
    });
    expect(createTokenSet({ ...prefixed, env: { HF_TOKEN: "hf_x" } }).get("mirror.example")).toBe("hf_x");
  });

  it.each([
    "12345",
    "ftp://x/y",
    "not a url",
    "https://civitai.com/user/foo",
    "https://huggingface.co/org/repo",
    "urn:air:sdxl:lora:hf:x",
    "https://huggingface.co/org/repo/resolve/main/bad%E0%A4%A.safetensors",
  ])("refuses %j with exit code 1 (usage)", (input) => {
    let error: unknown;
    try {
      parseSource(input, b);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe("invalid-source");
  });
});

describe("resolveSource + downloadFile", () => {
  it("follows Civitai's REST flow: page URL + modelVersionId → version API → downloadUrl → 307 → storage", async () => {
    const content = Buffer.from("pretend safetensors bytes ".repeat(1000));
    fake().publishCivitaiVersion({
      versionId: 2514310,
      modelId: 827184,
      fileName: "wai_v16.safetensors",
      content,
      modelType: "LORA",
      baseModel: "Illustrious",
    });
    const source = await resolveSource(`${fake().civitaiUrl}/models/827184/wai?modelVersionId=2514310`, bases());
    expect(source).toMatchObject({
      service: "civitai",
      url: `${fake().civitaiUrl}/api/download/models/2514310`,
      fileName: "wai_v16.safetensors",
      expectedSha256: sha256(content),
      approximateSize: content.length,
      civitai: {
        modelId: 827184,
        versionId: 2514310,
        modelType: "LORA",
        baseModel: "Illustrious",
        fileType: "Model",
        format: "SafeTensor",
      },
    });
    const result = await downloadFile(source.url, {
      dir: await tempDir(),
      fileName: source.fileName,
      expectedSha256: source.expectedSha256,
      tokens: new Map(),
    });
    expect(sha256(await readFile(result.path))).toBe(sha256(content));
    expect(fake().requests.map((r) => `${r.host} ${r.url.split("?")[0]}`)).toEqual([
      "civitai /api/v1/model-versions/2514310",
      "civitai /api/download/models/2514310",
      "storage /files/civitai-2514310",
    ]);
  });

  it("resolves a model page without a version to the newest one; an archived version is not found", async () => {
    fake().publishCivitaiVersion({
      versionId: 10,
      modelId: 5,
      fileName: "old.safetensors",
      content: Buffer.from("old"),
    });
    fake().publishCivitaiVersion({
      versionId: 11,
      modelId: 5,
      fileName: "new.safetensors",
      content: Buffer.from("new"),
    });
    expect((await resolveSource(`${fake().civitaiUrl}/models/5`, bases())).fileName).toBe("new.safetensors");
    fake().publishCivitaiVersion({
      versionId: 20,
      modelId: 6,
      fileName: "gone.safetensors",
      content: Buffer.from("x"),
      extra: { model: { name: "Gone", type: "Checkpoint", mode: "Archived" } },
    });
    const error = await rejection(resolveSource("urn:air:sdxl:checkpoint:civitai:6@20", bases()));
    expect(error.code).toBe("not-found");
    const missing = await rejection(resolveSource(`${fake().civitaiUrl}/models/404404`, bases()));
    expect(missing.code).toBe("not-found");
  });

  it("turns an HF blob URL into its resolve URL, size and SHA-256 from the LFS headers, token to HF only", async () => {
    const content = Buffer.from("vae weights ".repeat(500));
    fake().addHfFile("stabilityai/sdxl-vae", "main", "sdxl_vae.safetensors", content, {
      lfs: true,
      requireToken: "hf_abc",
    });
    const tokens = createTokenSet({ ...bases(), env: { HF_TOKEN: "hf_abc", CIVITAI_TOKEN: "civ" } });
    const source = await resolveSource(`${fake().hfUrl}/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors`, {
      ...bases(),
      tokens,
    });
    expect(source).toMatchObject({
      service: "huggingface",
      url: `${fake().hfUrl}/stabilityai/sdxl-vae/resolve/main/sdxl_vae.safetensors`,
      fileName: "sdxl_vae.safetensors",
      expectedSize: content.length,
      expectedSha256: sha256(content),
      huggingface: {
        repoId: "stabilityai/sdxl-vae",
        revision: "main",
        commit: "0123456789abcdef0123456789abcdef01234567",
      },
    });
    const result = await downloadFile(source.url, {
      dir: await tempDir(),
      fileName: source.fileName,
      expectedSize: source.expectedSize,
      expectedSha256: source.expectedSha256,
      tokens,
    });
    expect(result.sha256).toBe(sha256(content));
    const hf = fake().requestsTo("hf");
    expect(hf.map((r) => r.method)).toEqual(["HEAD", "GET"]);
    expect(hf.every((r) => r.headers.authorization === "Bearer hf_abc")).toBe(true);
    expect(
      fake()
        .requestsTo("storage")
        .every((r) => r.headers.authorization === undefined),
    ).toBe(true);
  });

  it("reports a gated Hugging Face repo without a token as not authorised (exit 4) with HF_TOKEN advice", async () => {
    fake().addHfFile("org/gated", "main", "m.safetensors", Buffer.from("x"), { requireToken: "t" });
    const error = await rejection(resolveSource(`${fake().hfUrl}/org/gated/resolve/main/m.safetensors`, bases()));
    expect(error.code).toBe("not-authorized");
    expect(error.message).toContain("HF_TOKEN");
  });
});

describe("createTokenSet", () => {
  it("binds each token to its exact host and --token to the host it was given for", () => {
    const tokens = createTokenSet({
      civitaiBaseUrl: "https://civitai.com",
      hfBaseUrl: "https://huggingface.co",
      env: { CIVITAI_TOKEN: "c", HF_TOKEN: "h" },
      token: "explicit",
      tokenFor: "https://huggingface.co/x/y/resolve/main/z",
    });
    expect([...tokens]).toEqual([
      ["civitai.com", "c"],
      ["huggingface.co", "explicit"],
    ]);
  });
});
