import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { checkpointSpec, PickleBuilder, type PickleValueSpec } from "../../fixtures/pickle-builder.js";
import { type LegacyFileOptions, writeLegacyTorchFile } from "../../fixtures/torch-legacy-writer.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import type { ContainerResult } from "../../src/inspect/types.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readTorchLegacy } from "../../src/read/torch-legacy.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

const verdict = (r: ContainerResult) => buildSafetyReport(r.findings, r.imports).verdict;
const codes = (r: ContainerResult) => [...new Set(r.findings.map((f) => f.code))];

const CHECKPOINT = checkpointSpec([
  ["model.diffusion_model.input_blocks.0.0.weight", { shape: [320, 4, 3, 3] }],
  ["first_stage_model.decoder.conv_out.weight", { shape: [3, 128, 3, 3], dtype: "F32" }],
  ["model.diffusion_model.time_embed.0.weight", { shape: [1280, 320] }],
]);

async function legacyFile(root: PickleValueSpec = CHECKPOINT, options: LegacyFileOptions = {}) {
  const path = join(await tempDir(), "model.pt");
  const layout = await writeLegacyTorchFile(path, root, options);
  const source = await openFileSource(path);
  try {
    return { result: await readTorchLegacy(source), layout, bytesRead: source.bytesRead, size: source.size };
  } finally {
    await source.close();
  }
}

describe("readTorchLegacy", () => {
  it("parses the five pickles (10-byte LONG1 magic) and walks the records by their headers only", async () => {
    const { result, layout, bytesRead, size } = await legacyFile();
    expect(result.error).toBeNull();
    expect(result.format).toBe("torch-legacy");
    expect(result.findings).toEqual([]);
    expect(verdict(result)).toBe("safe");
    expect(result.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ["state_dict.model.diffusion_model.input_blocks.0.0.weight", "F16", [320, 4, 3, 3]],
      ["state_dict.first_stage_model.decoder.conv_out.weight", "F32", [3, 128, 3, 3]],
      ["state_dict.model.diffusion_model.time_embed.0.weight", "F16", [1280, 320]],
    ]);
    expect(result.values).toEqual({ global_step: 470000 });
    expect(size).toBe(layout.recordsStart + layout.storages.reduce((n, s) => n + 8 + s.byteSize, 0));
    expect(bytesRead).toBeLessThanOrEqual(size + 8 * layout.storages.length);
  });

  it("reads only pickle bytes and record headers of a large sparse file", async () => {
    const big = checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4096, 4096, 16], dtype: "F32" }]]);
    const { result, bytesRead, size } = await legacyFile(big);
    expect(verdict(result)).toBe("safe");
    expect(size).toBeGreaterThan(1024 ** 3);
    // The first read (256 KiB) overshoots the pickles; the 4 GiB of data is never read.
    expect(bytesRead).toBeLessThanOrEqual(256 * 1024 + 8);
  });

  it("grows its read until pickle #4 ends when the pickles exceed the first read", async () => {
    const many = checkpointSpec(
      Array.from({ length: 4000 }, (_, i) => [`model.diffusion_model.block.${i}.weight`, { shape: [8, 8] }] as const),
    );
    const { result, layout, bytesRead } = await legacyFile(many);
    expect(layout.recordsStart).toBeGreaterThan(256 * 1024);
    expect(verdict(result)).toBe("safe");
    expect(result.tensors).toHaveLength(4000);
    expect(bytesRead).toBeLessThan(2 * layout.recordsStart + 8 * 4000);
  });

  it("bytes after the last record are trailing data; an extra pickle is named as such", async () => {
    const extra = new PickleBuilder().proto(2).global("os", "system").stop().bytes();
    const { result } = await legacyFile(CHECKPOINT, { trailing: extra });
    expect(verdict(result)).toBe("suspicious");
    expect(codes(result)).toEqual(["trailing-bytes"]);
    expect(result.findings[0]!.message).toContain("another pickle");
    const { result: junk } = await legacyFile(CHECKPOINT, { trailing: Uint8Array.of(1, 2, 3) });
    expect(codes(junk)).toEqual(["trailing-bytes"]);
  });

  it("records that do not reach the end of the declared data are an incomplete download", async () => {
    const { result } = await legacyFile(CHECKPOINT, { truncateBy: 100 });
    expect(verdict(result)).toBe("suspicious");
    expect(codes(result)).toEqual(["invalid"]);
    expect(result.findings[0]!.message).toContain("incomplete download");
    expect(result.tensors).toHaveLength(3);
  });

  it("a record whose numel differs from pickle #4 is dangerous", async () => {
    const { layout } = await legacyFile();
    const key = layout.storages[0]!.key;
    const { result } = await legacyFile(CHECKPOINT, { recordNumel: { [key]: 1 } });
    expect(verdict(result)).toBe("dangerous");
    expect(codes(result)).toEqual(["storage-size-mismatch"]);
  });

  it("a payload in pickle #3 (sys_info) is dangerous: torch unpickles it too", async () => {
    const evil = systemCallPickle("echo harmless");
    const { result } = await legacyFile(CHECKPOINT, { replacePickle: { 3: evil } });
    expect(verdict(result)).toBe("dangerous");
    expect(result.imports.find((i) => i.resolved === "posix.system")).toBeDefined();
  });

  it("a wrong magic or protocol pickle is invalid; a key list that disagrees with pickle #4 is invalid", async () => {
    const otherMagic = new PickleBuilder().proto(2).long1(12345n).stop().bytes();
    const { result: magic } = await legacyFile(CHECKPOINT, { replacePickle: { 1: otherMagic } });
    expect(codes(magic)).toEqual(["invalid"]);
    const { result: keys } = await legacyFile(CHECKPOINT, {
      replacePickle: { 5: new PickleBuilder().proto(2).emptyList().stop().bytes() },
    });
    expect(keys.error?.code).toBe("invalid");
  });

  it("a file that ends inside the pickles reports an error", async () => {
    const { layout } = await legacyFile();
    const { result } = await legacyFile(CHECKPOINT, { truncateBy: layout.size - layout.recordsStart + 40 });
    expect(result.error?.code).toBe("invalid");
    expect(verdict(result)).toBe("suspicious");
  });
});
