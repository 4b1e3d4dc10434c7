import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PickleBuilder } from "../../fixtures/pickle-builder.js";
import { writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs, useTempFiles } from "../helpers.js";

const tempDir = useTempDirs();

const TENSORS = [
  { name: "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", shape: [4, 320] },
  { name: "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", shape: [320, 4] },
];

const fileWith = useTempFiles();

describe("inspectFile dispatch", () => {
  it("reads a safetensors header without touching the data", async () => {
    const path = join(await tempDir(), "lora.safetensors");
    // 1 GiB of declared data, all of it a hole.
    const { size } = await writeSafetensors(path, [
      ...TENSORS,
      { name: "big", shape: [1024, 1024, 256], dtype: "F32" },
    ]);
    const inspection = await inspectFile(path);
    expect(inspection).toMatchObject({ path, format: "safetensors", size, error: null, metadata: null });
    expect(inspection.tensors.map((t) => t.name)).toEqual([TENSORS[0]!.name, TENSORS[1]!.name, "big"]);
    expect(inspection.safety.verdict).toBe("safe");
    expect(inspection.bytesRead).toBeGreaterThan(0);
    expect(inspection.bytesRead).toBeLessThan(4096);
  });

  it("goes by content, not by name: a .ckpt that is really safetensors", async () => {
    const path = join(await tempDir(), "renamed.ckpt");
    await writeSafetensors(path, TENSORS);
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("safetensors");
    expect(inspection.tensors).toHaveLength(2);
    expect(inspection.error).toBeNull();
  });

  it("reports a truncated safetensors with the reader's error and still knows the format", async () => {
    const path = join(await tempDir(), "cut.safetensors");
    await writeSafetensors(path, TENSORS, { extraBytes: -100 });
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("safetensors");
    expect(inspection.error).not.toBeNull();
    expect(inspection.safety.verdict).not.toBe("safe");
  });

  it("folds a pickle's dangerous import into the verdict", async () => {
    const path = join(await tempDir(), "payload.pt");
    const dataPkl = new PickleBuilder()
      .proto(2)
      .global("builtins", "exec")
      .shortBinunicode("print(1)")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    await writeTorchZip(path, { dataPkl, storages: [] });
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("torch-zip");
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.imports.map((i) => i.resolved)).toContain("builtins.exec");
  });

  it("quotes the title of an HTML page saved in place of a model", async () => {
    const path = await fileWith(
      "model.safetensors",
      "\n  <!doctype html>\n" +
        "<html><head><meta charset=utf-8><title>Just a moment...</title></head><body>…</body></html>",
    );
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("unknown");
    expect(inspection.error?.code).toBe("error-page");
    expect(inspection.error?.message).toContain('"Just a moment..."');
    expect(inspection.error?.errorPage).toEqual({ body: "html", quote: "Just a moment..." });
    expect(inspection.safety.verdict).toBe("suspicious");
    expect(inspection.safety.findings.map((f) => f.code)).toEqual(["error-page"]);
  });

  it("quotes the first line of an HTML body without a title", async () => {
    const path = await fileWith("model.ckpt", "<html>\n<body>Bad gateway</body></html>\n");
    expect((await inspectFile(path)).error?.message).toContain('"<html>"');
  });

  it("quotes the error and message of a JSON error body (Civitai's 401)", async () => {
    const body = JSON.stringify({
      error: "Unauthorized",
      message: "The creator of this asset requires you to be logged in to download it",
    });
    const inspection = await inspectFile(await fileWith("model.safetensors", body));
    expect(inspection.error?.code).toBe("error-page");
    expect(inspection.error?.message).toContain(
      '"Unauthorized: The creator of this asset requires you to be logged in to download it"',
    );
    expect(inspection.safety.verdict).toBe("suspicious");
  });

  it("treats 7z and RAR archives as unsupported containers", async () => {
    const sevenZip = await inspectFile(
      await fileWith("model.7z", Uint8Array.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 1, 2, 3])),
    );
    expect(sevenZip.error?.code).toBe("unsupported-container");
    expect(sevenZip.error?.message).toMatch(/^7-Zip archive/);
    expect(sevenZip.safety.verdict).toBe("suspicious");
    const rar = await inspectFile(
      await fileWith("model.rar", Uint8Array.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00])),
    );
    expect(rar.error?.message).toMatch(/^RAR archive/);
  });

  it("reads a GGUF header (version 0 is refused) and treats PYTORCH1 archives as invalid", async () => {
    const gguf = await inspectFile(
      await fileWith("model.gguf", Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(60)])),
    );
    expect(gguf.error?.code).toBe("unsupported-version");
    expect(gguf.safety.verdict).toBe("suspicious");
    const preview = await inspectFile(
      await fileWith("old.pt", Buffer.concat([Buffer.from("PYTORCH1"), Buffer.alloc(60)])),
    );
    expect(preview.error?.code).toBe("invalid");
    expect(preview.safety.verdict).toBe("suspicious");
  });

  it("reports an empty file", async () => {
    const inspection = await inspectFile(await fileWith("zero.safetensors", ""));
    expect(inspection).toMatchObject({ format: "unknown", size: 0, tensors: [] });
    expect(inspection.error?.code).toBe("empty");
    expect(inspection.safety.verdict).toBe("suspicious");
  });

  it("reports an unknown format with its first bytes", async () => {
    const inspection = await inspectFile(
      await fileWith("mystery.bin", Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6])),
    );
    expect(inspection.error).toEqual({
      code: "unknown-format",
      message: "not a model format sdmodels knows (first bytes: de ad be ef 01 02 03 04)",
    });
    expect(inspection.safety.verdict).toBe("suspicious");
  });
});

describe("inspectFile I/O errors", () => {
  it("turns a missing file into one sentence naming it, with file and problem apart, never a throw", async () => {
    const path = join(await tempDir(), "missing.safetensors");
    const inspection = await inspectFile(path);
    expect(inspection.error).toEqual({
      code: "ENOENT",
      message: `${path}: no such file`,
      io: true,
      file: path,
      problem: "no such file",
    });
    expect(inspection.bytesRead).toBe(0);
    expect(inspection.safety.verdict).toBe("suspicious"); // nothing was proven, so never "safe"
  });

  it("refuses a directory", async () => {
    const dir = join(await tempDir(), "folder.safetensors");
    await mkdir(dir);
    const inspection = await inspectFile(dir);
    expect(inspection.error?.message).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    expect(inspection.error).toMatchObject({ code: "not-a-regular-file", io: true });
  });

  it.skipIf(process.getuid?.() === 0)("reports a file it may not read", async () => {
    const path = await fileWith("locked.safetensors", "x");
    await chmod(path, 0o000);
    expect((await inspectFile(path)).error).toEqual({
      code: "EACCES",
      message: `${path}: permission denied`,
      io: true,
    });
  });
});
