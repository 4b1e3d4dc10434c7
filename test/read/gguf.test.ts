import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  encodeKv,
  fluxGguf,
  type GgufFileSpec,
  sd3Gguf,
  sdxlGguf,
  t5EncoderGguf,
  writeGguf,
} from "../../fixtures/gguf-writer.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { routeCandidate } from "../../src/install/route-candidate.js";
import { DEFAULT_PLAN_OPTIONS } from "../../src/install/types.js";
import { MAX_GGUF_ARRAY_DEPTH, MAX_GGUF_TENSORS } from "../../src/read/gguf.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, COMFY_MARKERS, candidateOf, FORGE_MARKERS, touch } from "../install/fake-webui.js";

const tempDir = useTempDirs("sdmodels-gguf-");

async function written(spec: GgufFileSpec, name = "model.gguf", extraBytes = 0) {
  const path = join(await tempDir(), name);
  const { size } = await writeGguf(path, spec, { extraBytes });
  return { path, size, inspection: await inspectFile(path) };
}

/** A GGUF v3 header by hand: counts, raw key/value bytes, raw tensor-info bytes, then `tail` (a hole when sparse). */
async function rawGguf(parts: {
  version?: number;
  tensors: bigint | number;
  kvs: bigint | number;
  body?: readonly Buffer[];
  size?: number;
}) {
  const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
  const u64 = (n: bigint | number) => Buffer.from(BigUint64Array.of(BigInt(n)).buffer);
  const head = Buffer.concat([
    Buffer.from("GGUF"),
    u32(parts.version ?? 3),
    u64(parts.tensors),
    u64(parts.kvs),
    ...(parts.body ?? []),
  ]);
  const path = join(await tempDir(), "raw.gguf");
  const handle = await open(path, "w");
  await handle.write(head, 0);
  await handle.truncate(Math.max(head.length, parts.size ?? head.length));
  await handle.close();
  return inspectFile(path);
}

describe("GGUF header", () => {
  it("reads a quantised FLUX.1 UNet from its header alone and classifies it by tensor names and shapes", async () => {
    const { size, inspection } = await written(fluxGguf("Q4_0"), "flux1-dev-Q4_0.gguf");
    expect(size).toBeGreaterThan(6_000_000_000);
    expect(inspection).toMatchObject({ format: "gguf", error: null });
    expect(inspection.safety.verdict).toBe("safe");
    expect(inspection.bytesRead).toBeLessThan(256 * 1024);
    const qkv = inspection.tensors.find((t) => t.name === "double_blocks.0.img_attn.qkv.weight");
    // ggml stores [3072, 9216]; PyTorch order is the reverse.
    expect(qkv).toMatchObject({ dtype: "Q4_0", shape: [9216, 3072] });
    expect(inspection.tensors.find((t) => t.name === "img_in.bias")?.dtype).toBe("F32");
    expect(inspection.metadata?.["general.architecture"]).toBe("flux");
    expect(classify(inspection)).toMatchObject({ kind: "diffusion-model", base: "flux" });
  });

  it.each([
    ["FLUX Q8_0", fluxGguf("Q8_0"), "flux"],
    ["SD3 Q8_0", sd3Gguf("Q8_0"), "sd3"],
    ["SDXL Q4_K with rearranged convs", sdxlGguf("Q4_K"), "sdxl"],
  ] as const)("classifies %s", async (_name, spec, base) => {
    const { inspection } = await written(spec);
    expect(inspection.error).toBeNull();
    expect(classify(inspection)).toMatchObject({ kind: "diffusion-model", base });
  });

  it("restores the shape ComfyUI's converter recorded for a rearranged tensor", async () => {
    const { inspection } = await written(sdxlGguf("Q8_0"));
    expect(inspection.tensors.find((t) => t.name === "input_blocks.0.0.weight")?.shape).toEqual([320, 4, 3, 3]);
    expect(inspection.metadata?.["comfy.gguf.orig_shape.input_blocks.0.0.weight"]).toBe("[320, 4, 3, 3]");
  });

  it("classifies a T5-XXL encoder written with llama.cpp names, skipping its 32k-token vocabulary unread", async () => {
    const { inspection } = await written(t5EncoderGguf("Q5_K"), "t5-v1_1-xxl-encoder-Q5_K_M.gguf");
    expect(inspection.error).toBeNull();
    expect(inspection.metadata?.["tokenizer.ggml.tokens"]).toMatch(/… 32128 string items\]$/);
    expect(classify(inspection)).toMatchObject({ kind: "text-encoder", architecture: "t5-xxl" });
  });

  it("reports a cut-off download, with the tensors still listed", async () => {
    const { inspection } = await written(fluxGguf("Q4_0"), "flux.gguf", -1_000_000);
    expect(inspection.error?.code).toBe("truncated");
    expect(inspection.error?.message).toMatch(/1000000 bytes shorter than its tensor table declares/);
    expect(inspection.error?.missing).toEqual({ bytes: 1_000_000, declaredBy: "tensor-table" });
    expect(inspection.tensors.length).toBeGreaterThan(700);
    expect(inspection.safety.verdict).toBe("suspicious");
  });

  it("checks the data section against general.alignment", async () => {
    const spec = fluxGguf("Q8_0");
    const aligned: GgufFileSpec = {
      ...spec,
      alignment: 64,
      metadata: [...(spec.metadata ?? []), ["general.alignment", { type: "uint32", value: 64 }]],
    };
    expect((await written(aligned)).inspection.error).toBeNull();
    const wrongType: GgufFileSpec = {
      ...spec,
      metadata: [...(spec.metadata ?? []), ["general.alignment", { type: "uint32", value: 48 }]],
    };
    expect((await written(wrongType)).inspection.error?.code).toBe("invalid-alignment");
    // The writer pads to 32 but the header claims 64: the second 32-byte tensor falls off the grid.
    const lying: GgufFileSpec = {
      tensors: [
        { name: "a", shape: [8], type: "F32" },
        { name: "b", shape: [8], type: "F32" },
      ],
      metadata: [["general.alignment", { type: "uint32", value: 64 }]],
    };
    expect((await written(lying)).inspection.error?.message).toMatch(/not a multiple of the alignment 64/);
  });
});

describe("GGUF version 1 and big-endian headers", () => {
  it("reads version 1 (32-bit counts, lengths and dimensions) and classifies it like version 3", async () => {
    const { inspection } = await written({ ...fluxGguf("Q8_0"), layout: { version: 1, bigEndian: false } });
    const v3 = (await written(fluxGguf("Q8_0"))).inspection;
    expect(inspection.error).toBeNull();
    expect(inspection.tensors).toEqual(v3.tensors);
    expect(inspection.metadata).toEqual(v3.metadata);
    expect(inspection.safety.findings.map((f) => f.code)).toContain("gguf-v1");
    expect(classify(inspection)).toMatchObject({ kind: "diffusion-model", base: "flux" });
  });

  it.each([
    [3, "T5-XXL encoder with its vocabulary", t5EncoderGguf("Q5_K")],
    [2, "SDXL UNet with recorded original shapes", sdxlGguf("Q4_K")],
  ] as const)(
    "reads a big-endian version %i header: %s, the same as its little-endian twin",
    async (version, _what, spec) => {
      const { inspection } = await written({ ...spec, layout: { version, bigEndian: true } });
      const twin = (await written(spec)).inspection;
      expect(inspection.error).toBeNull();
      expect(inspection.tensors).toEqual(twin.tensors);
      expect(inspection.metadata).toEqual(twin.metadata);
      expect(inspection.safety.findings.map((f) => f.code)).toContain("big-endian");
      expect(classify(inspection)).toEqual(classify(twin));
      expect(inspection.bytesRead).toBeLessThan(2 * 1024 * 1024);
    },
  );

  it("a cut-off version 1 file is still a truncated download", async () => {
    const { inspection } = await written(
      { ...fluxGguf("Q4_0"), layout: { version: 1, bigEndian: false } },
      "f.gguf",
      -4096,
    );
    expect(inspection.error?.code).toBe("truncated");
  });
});

describe("hostile GGUF headers end in a named error, without reading or allocating what they claim", () => {
  const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
  const u64 = (n: bigint | number) => Buffer.from(BigUint64Array.of(BigInt(n)).buffer);

  it.each([
    ["version 4", { version: 4, tensors: 0, kvs: 0 }, "unsupported-version", /version 4/],
    // Big-endian files came with version 3 (and gguf-py writes version 2 ones too); none exist for version 1.
    ["a big-endian version 1", { version: 0x01000000, tensors: 0, kvs: 0 }, "unsupported-version", /1 \(big-endian/],
    // Version 1 counts are u32: the low half of this u64 is 2^32−1 tensors.
    ["2^32−1 tensors in version 1", { version: 1, tensors: 0xffff_ffff, kvs: 0 }, "too-many-tensors", /limit/],
    ["2^64−1 tensors", { tensors: (1n << 64n) - 1n, kvs: 0 }, "too-many-tensors", /limit/],
    [
      "more tensors than the file can hold",
      { tensors: MAX_GGUF_TENSORS, kvs: 0, size: 4096 },
      "header-truncated",
      /cannot fit/,
    ],
    ["a 2^62-byte key", { tensors: 0, kvs: 1, body: [u64(1n << 62n)], size: 4096 }, "string-too-long", /limit/],
    [
      "an unknown value type",
      { tensors: 0, kvs: 1, body: [encodeKv("a", { type: "uint32", value: 1 }).subarray(0, 9), u32(99)], size: 4096 },
      "invalid-value-type",
      /99/,
    ],
    [
      "an array of 2^40 strings",
      { tensors: 0, kvs: 1, body: [u64(1), Buffer.from("a"), u32(9), u32(8), u64(1n << 40n)], size: 4096 },
      "array-too-long",
      /limit/,
    ],
    [
      "arrays nested deeper than the limit",
      {
        tensors: 0,
        kvs: 1,
        body: [
          u64(1),
          Buffer.from("a"),
          u32(9),
          ...Array.from({ length: MAX_GGUF_ARRAY_DEPTH + 1 }, () => Buffer.concat([u32(9), u64(1)])),
        ],
        size: 4096,
      },
      "array-too-deep",
      /deep/,
    ],
    [
      "an unknown ggml type",
      { tensors: 1, kvs: 0, body: [u64(1), Buffer.from("w"), u32(1), u64(32), u32(77), u64(0)], size: 4096 },
      "invalid-tensor",
      /unknown ggml type 77/,
    ],
    [
      "Q4_0 rows that do not fill a block",
      { tensors: 1, kvs: 0, body: [u64(1), Buffer.from("w"), u32(2), u64(30), u64(2), u32(2), u64(0)], size: 4096 },
      "invalid-tensor",
      /whole blocks/,
    ],
    [
      "a tensor listed twice",
      {
        tensors: 2,
        kvs: 0,
        body: [0, 1].map(() => Buffer.concat([u64(1), Buffer.from("w"), u32(1), u64(8), u32(0), u64(0)])),
        size: 4096,
      },
      "duplicate-tensor",
      /listed twice/,
    ],
    [
      "a header cut short",
      { tensors: 0, kvs: 1, body: [u64(20), Buffer.from("abcdefgh")] },
      "header-truncated",
      /ends early/,
    ],
  ] as const)("%s", async (_name, parts, code, message) => {
    const inspection = await rawGguf(parts);
    expect(inspection.format).toBe("gguf");
    expect(inspection.error?.code).toBe(code);
    expect(inspection.error?.message).toMatch(message);
    expect(inspection.safety.verdict).toBe("suspicious");
    expect(inspection.bytesRead).toBeLessThan(128 * 1024);
  });

  it("refuses overlapping tensors as suspicious", async () => {
    const info = (name: string) => Buffer.concat([u64(1), Buffer.from(name), u32(1), u64(64), u32(0), u64(0)]);
    const inspection = await rawGguf({ tensors: 2, kvs: 0, body: [info("a"), info("b")], size: 4096 });
    expect(inspection.error).toBeNull();
    expect(inspection.safety.findings.map((f) => f.code)).toContain("overlapping-tensors");
    expect(inspection.safety.verdict).toBe("suspicious");
  });

  it("a GGUF named .bin is still read as GGUF", async () => {
    const path = join(await tempDir(), "pytorch_model.bin");
    await writeGguf(path, t5EncoderGguf("Q8_0"));
    expect((await inspectFile(path)).format).toBe("gguf");
    await writeFile(path, "GGUF");
    expect((await inspectFile(path)).error?.code).toBe("header-truncated");
  });
});

describe("GGUF placement", () => {
  async function route(markers: readonly string[], spec: GgufFileSpec, name: string) {
    const root = await tempDir();
    await touch(root, markers);
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    const { inspection } = await written(spec, name);
    const routed = routeCandidate(candidateOf(inspection), target, DEFAULT_PLAN_OPTIONS);
    return { root, routed };
  }

  it("goes where ComfyUI-GGUF and Forge list .gguf files, under its own name; A1111 is told it cannot", async () => {
    const comfy = await route(COMFY_MARKERS, fluxGguf("Q4_0"), "flux1-dev-Q4_0.gguf");
    expect(comfy.routed).toMatchObject({
      ok: true,
      dir: join(comfy.root, "models/diffusion_models"),
      name: "flux1-dev-Q4_0.gguf",
    });
    expect(comfy.routed.warnings).toContainEqual({ type: "comfyui-gguf" });
    const te = await route(COMFY_MARKERS, t5EncoderGguf("Q8_0"), "t5xxl.bin");
    // Never renamed to a torch extension: GGUF content gets .gguf.
    expect(te.routed).toMatchObject({
      ok: true,
      dir: join(te.root, "models/text_encoders"),
      name: "t5xxl.gguf",
      extensionFixed: true,
    });
    const forge = await route(FORGE_MARKERS, fluxGguf("Q8_0"), "flux.gguf");
    expect(forge.routed).toMatchObject({
      ok: true,
      dir: join(forge.root, "models/Stable-diffusion"),
      name: "flux.gguf",
    });
    const forgeTe = await route(FORGE_MARKERS, t5EncoderGguf("Q8_0"), "t5.gguf");
    expect(forgeTe.routed).toMatchObject({ ok: true, dir: join(forgeTe.root, "models/text_encoder") });
    const a1111 = await route(A1111_MARKERS, fluxGguf("Q8_0"), "flux.gguf");
    expect(a1111.routed).toMatchObject({ ok: false, reason: { code: "extension-not-loaded" } });
  });
});
