import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import jpeg from "jpeg-js";
import pngjs from "pngjs";
import { describe, expect, it } from "vitest";
import {
  corruptPng,
  generationJpeg,
  generationPng,
  interlacedInflateBomb,
  jpegWithFrameSize,
  pngBomb,
  pngWithSecondHeader,
} from "../../fixtures/preview-images.js";
import { downscale } from "../../src/cli/report/html/downscale.js";
import { MAX_PREVIEW_PIXELS, MAX_PREVIEWS_TOTAL_BYTES } from "../../src/cli/report/html/preview-limits.js";
import type { PreviewOmission } from "../../src/cli/report/html/preview-omission.js";
import { loadPreviews } from "../../src/cli/report/html/previews.js";
import type { Preview } from "../../src/cli/report/html/report-model.js";
import { useBuiltCli } from "../cli/run-cli.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs("sdmodels-thumbs-");

/** Longest side and largest size of an embedded thumbnail these tests accept. */
const SIDE = 256;
const MAX_THUMBNAIL_BYTES = 48 * 1024;

/** Writes `model.safetensors` (its content does not matter here) and its preview sidecar; returns the model path. */
async function withPreview(name: string, preview: Buffer): Promise<string> {
  const dir = await tempDir();
  const model = join(dir, "model.safetensors");
  await writeFile(model, "");
  await writeFile(join(dir, name), preview);
  return model;
}

async function previewOf(name: string, bytes: Buffer): Promise<Preview> {
  const model = await withPreview(name, bytes);
  const preview = (await loadPreviews([model])).get(model);
  expect(preview).toBeDefined();
  return preview!;
}

function omission(preview: Preview): PreviewOmission {
  if (!("omitted" in preview)) throw new Error("expected the preview to be left out");
  return preview.omitted;
}

/** The embedded image, decoded again: MIME type, encoded size and pixels. */
function embedded(preview: Preview): { mime: string; bytes: number; width: number; height: number; data: Uint8Array } {
  if (!("dataUri" in preview)) throw new Error(`preview left out: ${JSON.stringify(preview.omitted)}`);
  const match = /^data:(image\/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)$/.exec(preview.dataUri);
  expect(match).not.toBeNull();
  const bytes = Buffer.from(match![2]!, "base64");
  const image = match![1] === "image/png" ? pngjs.PNG.sync.read(bytes) : jpeg.decode(bytes, { useTArray: true });
  return { mime: match![1]!, bytes: bytes.length, width: image.width, height: image.height, data: image.data };
}

/** Mean of each RGBA channel. */
function mean(data: Uint8Array): number[] {
  const sums = [0, 0, 0, 0];
  for (let i = 0; i < data.length; i++) sums[i % 4] = sums[i % 4]! + data[i]!;
  return sums.map((s) => s / (data.length / 4));
}

describe("preview thumbnails in the HTML report", () => {
  it("shrinks a full-size PNG generation to a small JPEG thumbnail that looks like it", async () => {
    const source = generationPng(1280, 1920, 0xff8040);
    expect(source.length).toBeGreaterThan(512 * 1024);
    const thumb = embedded(await previewOf("model.preview.png", source));
    expect(thumb.mime).toBe("image/jpeg");
    expect([thumb.width, thumb.height]).toEqual([171, SIDE]);
    expect(thumb.bytes).toBeLessThanOrEqual(MAX_THUMBNAIL_BYTES);
    const before = mean(pngjs.PNG.sync.read(source).data);
    for (const [i, channel] of mean(thumb.data).entries()) expect(Math.abs(channel - before[i]!)).toBeLessThan(4);
  });

  it("shrinks a full-size JPEG generation the same way", async () => {
    const source = generationJpeg(1920, 1280, 0x40a0ff);
    const thumb = embedded(await previewOf("model.jpg", source));
    expect(thumb.mime).toBe("image/jpeg");
    expect([thumb.width, thumb.height]).toEqual([SIDE, 171]);
    expect(thumb.bytes).toBeLessThanOrEqual(MAX_THUMBNAIL_BYTES);
  });

  it("re-encodes even a small preview, so only bytes sdmodels wrote reach the page", async () => {
    const source = Buffer.concat([generationJpeg(64, 64, 0x808080), Buffer.from("<script>trailing</script>")]);
    const preview = await previewOf("model.preview.jpeg", source);
    expect(embedded(preview)).toMatchObject({ mime: "image/jpeg", width: 64, height: 64 });
    expect("dataUri" in preview && preview.dataUri).not.toContain(source.toString("base64").slice(0, 64));
  });

  it("keeps transparency: a preview with alpha becomes a PNG thumbnail", async () => {
    const thumb = embedded(await previewOf("model.png", generationPng(1024, 512, 0x40ff80, { alpha: true })));
    expect(thumb.mime).toBe("image/png");
    expect([thumb.width, thumb.height]).toEqual([SIDE, 128]);
    expect(thumb.data[3]).toBeLessThan(16); // the left edge stays transparent
    expect(thumb.data[(SIDE - 1) * 4 + 3]).toBe(255);
  });

  it("refuses a PNG declaring 50000×50000 from its header, before any decoder runs", async () => {
    const bomb = pngBomb(50_000, 50_000);
    expect(bomb.length).toBeLessThan(2048);
    expect(omission(await previewOf("model.preview.png", bomb))).toEqual({
      file: "model.preview.png",
      type: "too-many-pixels",
      width: 50_000,
      height: 50_000,
      limit: MAX_PREVIEW_PIXELS,
    });
  });

  it("refuses a JPEG whose frame header declares 65535×65535, before any decoder runs", async () => {
    expect(omission(await previewOf("model.preview.jpg", jpegWithFrameSize(65_535, 65_535)))).toMatchObject({
      type: "too-many-pixels",
      width: 65_535,
      height: 65_535,
    });
  });

  it("refuses a PNG whose second IHDR declares another size", async () => {
    expect(omission(await previewOf("model.preview.png", pngWithSecondHeader(50_000, 50_000)))).toEqual({
      file: "model.preview.png",
      type: "malformed-header",
      format: "png",
      detail: "a second IHDR chunk",
    });
  });

  it("refuses a PNG whose IHDR declares no width", async () => {
    expect(omission(await previewOf("model.preview.png", pngBomb(0, 50_000)))).toMatchObject({
      type: "malformed-header",
      detail: "IHDR declares no size",
    });
  });

  it("refuses an interlaced PNG whose data inflates far past what its header implies", async () => {
    const bomb = interlacedInflateBomb(16, 16, 64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(omission(await previewOf("model.preview.png", bomb))).toEqual({
      file: "model.preview.png",
      type: "undecodable",
      detail: "its image data inflates past the 798 bytes its header implies",
    });
  });

  it("says why a corrupt PNG has no thumbnail, and goes on with the next model", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "broken.safetensors"), "");
    await writeFile(join(dir, "broken.preview.png"), corruptPng(640, 480));
    await writeFile(join(dir, "fine.safetensors"), "");
    await writeFile(join(dir, "fine.preview.png"), generationPng(640, 480, 0x2040ff));
    const previews = await loadPreviews([join(dir, "broken.safetensors"), join(dir, "fine.safetensors")]);
    expect(omission(previews.get(join(dir, "broken.safetensors"))!)).toMatchObject({
      file: "broken.preview.png",
      type: "undecodable",
      detail: expect.any(String),
    });
    expect(embedded(previews.get(join(dir, "fine.safetensors"))!).width).toBe(SIDE);
  });

  it("never opens a FIFO planted as a preview (opening one blocks until a writer comes)", async () => {
    const model = await withPreview("model.preview.webp", Buffer.alloc(0));
    const fifo = join(model, "../model.preview.png");
    execFileSync("mkfifo", [fifo]);
    expect(omission((await loadPreviews([model])).get(model)!)).toEqual({
      file: "model.preview.png",
      type: "not-a-file",
      found: "fifo",
    });
  });

  it("embeds a small WebP as it is, and says why a large one is left out", async () => {
    const webp = (size: number) => Buffer.concat([Buffer.from("RIFF\0\0\0\0WEBPVP8 "), Buffer.alloc(size - 16, 0x55)]);
    const small = await previewOf("model.webp", webp(2048));
    expect("dataUri" in small && small.dataUri.startsWith("data:image/webp;base64,")).toBe(true);
    expect(omission(await previewOf("model.webp", webp(600 * 1024)))).toMatchObject({
      type: "not-decoded",
      format: "webp",
    });
  });

  it("spends the report's preview budget in the order of the models, then says it is spent", async () => {
    const dir = await tempDir();
    const webp = Buffer.concat([Buffer.from("RIFF\0\0\0\0WEBPVP8 "), Buffer.alloc(500 * 1024 - 16, 0x55)]);
    const models: string[] = [];
    for (let i = 0; i < 60; i++) {
      const model = join(dir, `m${String(i).padStart(2, "0")}.safetensors`);
      await writeFile(model, "");
      await writeFile(join(dir, `m${String(i).padStart(2, "0")}.webp`), webp);
      models.push(model);
    }
    const previews = await loadPreviews(models);
    const uri = `data:image/webp;base64,${webp.toString("base64")}`.length;
    const fits = Math.floor(MAX_PREVIEWS_TOTAL_BYTES / uri);
    expect(models.map((m) => "dataUri" in previews.get(m)!)).toEqual(models.map((_, i) => i < fits));
    expect(omission(previews.get(models[fits]!)!)).toEqual({
      file: `m${fits}.webp`,
      type: "budget-spent",
      limit: MAX_PREVIEWS_TOTAL_BYTES,
    });
  });
});

describe("area-averaging downscale", () => {
  it("makes each output pixel the mean of its source pixels, weighted by alpha", () => {
    // 4×2 → 2×1: the left pair of columns is red and blue (opaque), the right pair green (opaque) and black
    // (transparent).
    const px = [255, 0, 0, 255, 0, 0, 255, 255, 0, 255, 0, 255, 0, 0, 0, 0];
    const image = { width: 4, height: 2, data: Uint8Array.from([...px, ...px]) };
    const out = downscale(image, 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect([...out.data]).toEqual([128, 0, 128, 255, 0, 255, 0, 128]);
  });

  it("never enlarges", () => {
    const image = { width: 3, height: 2, data: new Uint8Array(24).fill(200) };
    expect(downscale(image, 256)).toEqual(image);
  });
});

describe("the thumbnail thread", () => {
  async function hangingWorker(body: string): Promise<URL> {
    const file = join(await tempDir(), "worker.mjs");
    await writeFile(
      file,
      `import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => { ${body} });\n`,
    );
    return pathToFileURL(file);
  }
  const header = { format: "png", width: 8, height: 8, interlaced: false, bitsPerPixel: 24 } as const;

  it("stops a decoder that never finishes and gives timed-out, then starts afresh", async () => {
    const { startThumbnailer } = await import("../../src/cli/report/html/thumbnail-thread.js");
    const thumbnailer = await startThumbnailer({ workerUrl: await hangingWorker("for (;;) {}"), deadlineMs: 300 });
    try {
      expect(await thumbnailer.thumbnail(new Uint8Array(8), header)).toEqual({ type: "timed-out", limitMs: 300 });
      expect(await thumbnailer.thumbnail(new Uint8Array(8), header)).toEqual({ type: "timed-out", limitMs: 300 });
    } finally {
      await thumbnailer.stop();
    }
  });

  it("survives a worker that fails between previews, and starts a fresh one", async () => {
    const { startThumbnailer } = await import("../../src/cli/report/html/thumbnail-thread.js");
    const worker = await hangingWorker(
      `parentPort.postMessage({ type: "undecodable", detail: "x" }); ` +
        `setTimeout(() => { throw new Error("idle"); }, 20);`,
    );
    const thumbnailer = await startThumbnailer({ workerUrl: worker });
    try {
      expect(await thumbnailer.thumbnail(new Uint8Array(8), header)).toEqual({ type: "undecodable", detail: "x" });
      await sleep(300);
      expect(await thumbnailer.thumbnail(new Uint8Array(8), header)).toMatchObject({ type: "undecodable" });
    } finally {
      await thumbnailer.stop();
    }
  });

  it("gives undecodable when the decoder's thread dies", async () => {
    const { startThumbnailer } = await import("../../src/cli/report/html/thumbnail-thread.js");
    const thumbnailer = await startThumbnailer({ workerUrl: await hangingWorker("process.exit(70);") });
    try {
      expect(await thumbnailer.thumbnail(new Uint8Array(8), header)).toEqual({
        type: "undecodable",
        detail: "the decoder stopped: worker thread exited with code 70",
      });
    } finally {
      await thumbnailer.stop();
    }
  });
});

describe("the built CLI", () => {
  const cli = useBuiltCli();

  /** Runs the bin with a preload that records, at exit, which CommonJS modules the main thread loaded. */
  async function decodersLoaded(args: string[]): Promise<{ code: number | null; loaded: string[] }> {
    const dir = await tempDir();
    const preload = join(dir, "record-loaded.mjs");
    const record = join(dir, "loaded.json");
    await writeFile(
      preload,
      `import { writeFileSync } from "node:fs";\nimport { createRequire } from "node:module";\n` +
        `import { isMainThread } from "node:worker_threads";\n` +
        `if (isMainThread) process.on("exit", () => writeFileSync(${JSON.stringify(record)}, ` +
        `JSON.stringify(Object.keys(createRequire(import.meta.url).cache))));\n`,
    );
    const run = await cli(args, { env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } });
    const modules = JSON.parse(await readFile(record, "utf8")) as string[];
    return { code: run.code, loaded: modules.filter((m) => /node_modules\/(?:pngjs|jpeg-js)\//.test(m)) };
  }

  it("loads no image decoder for --version or an inspect without --report", async () => {
    expect(await decodersLoaded(["--version"])).toEqual({ code: 0, loaded: [] });
    const model = await withPreview("model.preview.png", generationPng(640, 960, 0xff8040));
    expect((await decodersLoaded(["inspect", model])).loaded).toEqual([]);
  });

  it("decodes a report's previews on a worker thread: a thumbnail in the page, none on the main thread", async () => {
    const model = await withPreview("model.preview.png", generationPng(640, 960, 0xff8040));
    const report = join(model, "../report.html");
    expect((await decodersLoaded(["inspect", model, "--report", report])).loaded).toEqual([]);
    const dataUri = /"dataUri":"(data:image\/jpeg;base64,[A-Za-z0-9+/=]+)"/.exec(await readFile(report, "utf8"));
    expect(dataUri).not.toBeNull();
    expect(embedded({ dataUri: dataUri![1]! })).toMatchObject({ width: 171, height: SIDE });
  });
});
