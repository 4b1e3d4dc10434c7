import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeRawSafetensors, writeSafetensors } from "../../fixtures/safetensors-writer.js";
import type { ContainerResult } from "../../src/inspect/types.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readSafetensors } from "../../src/read/safetensors.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

async function read(path: string): Promise<{ result: ContainerResult; bytesRead: number }> {
  const source = await openFileSource(path);
  try {
    const result = await readSafetensors(source);
    return { result, bytesRead: source.bytesRead };
  } finally {
    await source.close();
  }
}

/** Writes `headerText` with `dataLength` bytes of (sparse) data and reads it back. */
async function readRaw(headerText: string | Buffer, dataLength = 0, lengthField?: bigint) {
  const path = join(await tempDir(), "model.safetensors");
  await writeRawSafetensors(path, headerText, dataLength, lengthField);
  return read(path);
}

function entry(dtype: string, shape: readonly (number | string)[], offsets: readonly (number | string)[]): string {
  return `{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[${offsets.join(",")}]}`;
}

/** A reference error: `error` set, one suspicious finding with the same code, no tensors. */
function expectRejected(result: ContainerResult, code: string): void {
  expect(result).toMatchObject({ format: "safetensors", tensors: [], metadata: null, error: { code } });
  expect(result.findings).toEqual([{ severity: "suspicious", code, message: result.error!.message }]);
}

describe("readSafetensors", () => {
  it("reads only the length field and the header of a sparse 6 GiB checkpoint", async () => {
    const path = join(await tempDir(), "sdxl.safetensors");
    const { size, headerLength } = await writeSafetensors(
      path,
      [
        { name: "model.diffusion_model.input_blocks.0.0.weight", shape: [320, 4, 3, 3] },
        { name: "model.diffusion_model.huge", shape: [49152, 65536] },
        { name: "cond_stage_model.transformer.text_model.embeddings.position_ids", shape: [1, 77], dtype: "I64" },
      ],
      { metadata: { format: "pt", modelspec: "sdxl" } },
    );
    expect(size).toBeGreaterThan(6 * 2 ** 30);
    const { result, bytesRead } = await read(path);
    expect(bytesRead).toBe(8 + headerLength);
    expect(result).toEqual({
      format: "safetensors",
      tensors: [
        {
          name: "model.diffusion_model.input_blocks.0.0.weight",
          path: ["model.diffusion_model.input_blocks.0.0.weight"],
          dtype: "F16",
          shape: [320, 4, 3, 3],
        },
        {
          name: "model.diffusion_model.huge",
          path: ["model.diffusion_model.huge"],
          dtype: "F16",
          shape: [49152, 65536],
        },
        {
          name: "cond_stage_model.transformer.text_model.embeddings.position_ids",
          path: ["cond_stage_model.transformer.text_model.embeddings.position_ids"],
          dtype: "I64",
          shape: [1, 77],
        },
      ],
      metadata: { format: "pt", modelspec: "sdxl" },
      values: {},
      findings: [],
      imports: [],
      error: null,
    });
  });

  it("a length field of 2^40 or 2^64−1 is HeaderTooLarge with nothing read past it", async () => {
    for (const lengthField of [2n ** 40n, 2n ** 64n - 1n]) {
      const { result, bytesRead } = await readRaw("{}", 0, lengthField);
      expectRejected(result, "HeaderTooLarge");
      expect(bytesRead).toBe(8);
    }
  });

  it("the 100,000,000-byte cap holds even when the file is big enough", async () => {
    const { result, bytesRead } = await readRaw("{}", 200_000_000, 100_000_001n);
    expectRejected(result, "HeaderTooLarge");
    expect(bytesRead).toBe(8);
  });

  it("1000 bytes declared, 2 present is InvalidHeaderLength without reading past EOF", async () => {
    const { result, bytesRead } = await readRaw("{}", 0, 1000n);
    expectRejected(result, "InvalidHeaderLength");
    expect(bytesRead).toBe(8);
  });

  it("files of 0 to 7 bytes are HeaderTooSmall", async () => {
    const dir = await tempDir();
    for (let size = 0; size < 8; size++) {
      const path = join(dir, `short-${size}.safetensors`);
      await writeFile(path, Buffer.alloc(size, 0x20));
      const { result, bytesRead } = await read(path);
      expectRejected(result, "HeaderTooSmall");
      expect(bytesRead).toBe(0);
    }
  });

  it("a non-UTF-8 header is InvalidHeader, a BOM before `{` InvalidHeaderDeserialization", async () => {
    expectRejected((await readRaw(Buffer.from([0x7b, 0xff, 0x7d]))).result, "InvalidHeader");
    expectRejected((await readRaw(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).result, "InvalidHeaderDeserialization");
  });

  it("10^6 tiny legal tensors (a 70 MB header) stop at the tensor-count cap", async () => {
    const count = 1_000_000;
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(`"${i}":{"dtype":"U8","shape":[1],"data_offsets":[${i},${i + 1}]}`);
    const header = `{${parts.join(",")}}`;
    expect(header.length).toBeGreaterThan(50_000_000);
    const { result } = await readRaw(header, count);
    expectRejected(result, "too-many-tensors");
  });

  it("a header above 25 MB is parsed and marked oversized", async () => {
    const header = `{"__metadata__":{"pad":"${"x".repeat(25_000_001)}"},"a":${entry("U8", [1], [0, 1])}}`;
    const { result, bytesRead } = await readRaw(header, 1);
    expect(bytesRead).toBe(8 + header.length);
    expect(result.error).toBeNull();
    expect(result.tensors.map((t) => t.name)).toEqual(["a"]);
    expect(result.findings).toEqual([expect.objectContaining({ severity: "suspicious", code: "oversized-header" })]);
  });

  it("many tensors sharing one byte range are InvalidOffset", async () => {
    const tensors = Array.from({ length: 10 }, (_, i) => `"t${i}":${entry("F32", [2, 2], [0, 16])}`);
    expectRejected((await readRaw(`{${tensors.join(",")}}`, 16)).result, "InvalidOffset");
  });

  it("a hole between tensors is InvalidOffset", async () => {
    const header = `{"a":${entry("F16", [2], [0, 4])},"b":${entry("F16", [2], [8, 12])}}`;
    const { result } = await readRaw(header, 12);
    expectRejected(result, "InvalidOffset");
    expect(result.error?.message).toMatch(/`b`/);
  });

  it("shape × dtype not matching the byte range is TensorInvalidInfo", async () => {
    expectRejected((await readRaw(`{"a":${entry("F32", [3], [0, 8])}}`, 8)).result, "TensorInvalidInfo");
  });

  it("a shape product beyond u64 is ValidationOverflow", async () => {
    expectRejected(
      (await readRaw(`{"a":${entry("F32", [2, "9223372036854775807"], [0, 16])}}`, 16)).result,
      "ValidationOverflow",
    );
  });

  it("bytes after the last tensor are a trailing-bytes finding; the tensors still count", async () => {
    const path = join(await tempDir(), "padded.safetensors");
    const { headerLength } = await writeSafetensors(path, [{ name: "w", shape: [2, 2] }], { extraBytes: 4 });
    const { result, bytesRead } = await read(path);
    expect(bytesRead).toBe(8 + headerLength);
    expect(result.error).toBeNull();
    expect(result.tensors.map((t) => t.name)).toEqual(["w"]);
    expect(result.findings).toEqual([expect.objectContaining({ severity: "suspicious", code: "trailing-bytes" })]);
    expect(result.findings[0]?.message).toMatch(/^4 bytes after the tensor data/);
  });

  it("a truncated download is MetadataIncompleteBuffer, said as such, with the intended tensors", async () => {
    const path = join(await tempDir(), "partial.safetensors");
    await writeSafetensors(path, [{ name: "w", shape: [1024, 1024] }], { extraBytes: -1000 });
    const { result } = await read(path);
    const message = "truncated: file is 1000 bytes shorter than its header declares (incomplete download?)";
    expect(result.error).toEqual({
      code: "MetadataIncompleteBuffer",
      message,
      missing: { bytes: 1000, declaredBy: "header" },
    });
    expect(result.findings).toEqual([{ severity: "suspicious", code: "MetadataIncompleteBuffer", message }]);
    expect(result.tensors).toEqual([{ name: "w", path: ["w"], dtype: "F16", shape: [1024, 1024] }]);
  });

  it("a duplicate tensor key keeps the last copy and is reported", async () => {
    const header = `{"w":${entry("F16", [4], [0, 8])},"w":${entry("F32", [2], [0, 8])}}`;
    const { result } = await readRaw(header, 8);
    expect(result.error).toBeNull();
    expect(result.tensors).toEqual([{ name: "w", path: ["w"], dtype: "F32", shape: [2] }]);
    expect(result.findings).toEqual([expect.objectContaining({ severity: "suspicious", code: "duplicate-key" })]);
  });

  it("a non-string __metadata__ value or a second __metadata__ is InvalidHeaderDeserialization", async () => {
    expectRejected((await readRaw('{"__metadata__":{"ss_network_dim":16}}')).result, "InvalidHeaderDeserialization");
    expectRejected(
      (await readRaw('{"__metadata__":{"a":"1"},"__metadata__":{"b":"2"}}')).result,
      "InvalidHeaderDeserialization",
    );
  });

  it("tensors named __proto__ and constructor are ordinary tensors", async () => {
    const header = `{"__proto__":${entry("F32", [1], [0, 4])},"constructor":${entry("F32", [1], [4, 8])}}`;
    const { result } = await readRaw(header, 8);
    expect(result.error).toBeNull();
    expect(result.tensors.map((t) => t.name)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.tensors[0])).toBe(Object.prototype);
  });

  it("1.0, 1e0, -0 and integers above u64 in shape or offsets are InvalidHeaderDeserialization", async () => {
    for (const number of ["1.0", "1e0", "-0", "18446744073709551616"]) {
      expectRejected(
        (await readRaw(`{"a":${entry("U8", [number], [0, 1])}}`, 1)).result,
        "InvalidHeaderDeserialization",
      );
      expectRejected(
        (await readRaw(`{"a":${entry("U8", [1], [0, number])}}`, 1)).result,
        "InvalidHeaderDeserialization",
      );
    }
  });

  it("2^53+1 is read exactly, then refused as unrepresentable", async () => {
    const { result } = await readRaw(`{"a":${entry("U8", ["9007199254740993"], [0, "9007199254740993"])}}`);
    expectRejected(result, "InvalidHeaderDeserialization");
    expect(result.error?.message).toMatch(/above 2\^53/);
  });

  it("leading whitespace and newlines before `{` are accepted with a safe note", async () => {
    const { result } = await readRaw(`\n\n  {"a":${entry("F16", [2], [0, 4])}}`, 4);
    expect(result.error).toBeNull();
    expect(result.tensors.map((t) => t.name)).toEqual(["a"]);
    expect(result.findings).toEqual([expect.objectContaining({ severity: "safe", code: "leading-whitespace" })]);
  });

  it("F128 and f32 are unsupported dtypes, not attacks; F8_E8M0 and F4 are current", async () => {
    for (const dtype of ["F128", "f32"]) {
      const { result } = await readRaw(`{"a":${entry(dtype, [2], [0, 8])}}`, 8);
      expectRejected(result, "InvalidHeaderDeserialization");
      expect(result.error?.message).toMatch(new RegExp(`unsupported dtype \`${dtype}\`.*\\(newer safetensors\\?\\)`));
    }
    const header = `{"scale":${entry("F8_E8M0", [4], [0, 4])},"packed":${entry("F4", [8], [4, 8])}}`;
    const { result } = await readRaw(header, 8);
    expect(result.error).toBeNull();
    expect(result.tensors.map((t) => t.dtype)).toEqual(["F8_E8M0", "F4"]);
  });

  it("reads a header handed over by a file that shrank as InvalidHeaderLength, without throwing", async () => {
    const path = join(await tempDir(), "shrinking.safetensors");
    await writeSafetensors(path, [{ name: "w", shape: [2] }]);
    const source = await openFileSource(path);
    try {
      const handle = await open(path, "r+");
      await handle.truncate(12);
      await handle.close();
      expectRejected(await readSafetensors(source), "InvalidHeaderLength");
    } finally {
      await source.close();
    }
  });
});
