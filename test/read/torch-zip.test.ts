import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { checkpointSpec, type TensorLeafSpec, torchPickle } from "../../fixtures/pickle-builder.js";
import { type TorchZipOptions, writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import type { ContainerResult } from "../../src/inspect/types.js";
import type { Verdict } from "../../src/model/verdict.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readTorchZip } from "../../src/read/torch-zip.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

const SD_TENSORS: ReadonlyArray<readonly [string, TensorLeafSpec]> = [
  ["model.diffusion_model.input_blocks.0.0.weight", { shape: [320, 4, 3, 3] }],
  ["model.diffusion_model.input_blocks.0.0.bias", { shape: [320] }],
  ["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3] }],
  ["first_stage_model.decoder.conv_in.weight", { shape: [512, 4, 3, 3], dtype: "F32" }],
  ["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", { shape: [49408, 768] }],
  ["cond_stage_model.transformer.text_model.embeddings.position_ids", { shape: [1, 77], dtype: "I64" }],
];

const benign = torchPickle(checkpointSpec(SD_TENSORS), { persistentIds: "zip" });
const benignStorages = benign.storages.map(({ key, byteSize }) => ({ key, byteSize }));

/** `posix.system("echo pwned")`: only ever interpreted, never run. */
const payload = systemCallPickle();

interface Scan {
  result: ContainerResult;
  verdict: Verdict;
  codes: string[];
  bytesRead: number;
}

async function scanFile(path: string): Promise<Scan> {
  const source = await openFileSource(path);
  try {
    const result = await readTorchZip(source);
    const verdict = buildSafetyReport(result.findings, result.imports).verdict;
    const codes = result.findings.filter((f) => f.severity !== "safe").map((f) => f.code);
    return { result, verdict, codes, bytesRead: source.bytesRead };
  } finally {
    await source.close();
  }
}

async function scan(options: Partial<TorchZipOptions> = {}, file = "model.ckpt"): Promise<Scan> {
  const path = join(await tempDir(), file);
  await writeTorchZip(path, { dataPkl: benign.bytes, storages: benignStorages, ...options });
  return scanFile(path);
}

function _tensorNames(result: ContainerResult): string[] {
  return result.tensors.map((t) => t.name);
}

function finding(result: ContainerResult, code: string): string {
  const found = result.findings.find((f) => f.code === code);
  expect(found, `no ${code} finding in ${JSON.stringify(result.findings)}`).toBeDefined();
  return found!.message;
}

describe("readTorchZip on genuine torch.save output", () => {
  it("a modern torch ≥ 2.1 file with its root named after the file is safe", async () => {
    const { result, verdict, codes } = await scan({}, "washinoboku.ckpt");
    expect(codes).toEqual([]);
    expect(verdict).toBe("safe");
    expect(result.error).toBeNull();
    expect(result.format).toBe("torch-zip");
    expect(result.metadata).toBeNull();
    expect(result.values.global_step).toBe(470000);
  });

  it("lists the tensors of an SD checkpoint data.pkl with their key paths, shapes and dtypes", async () => {
    const { result } = await scan();
    expect(result.tensors).toEqual(
      SD_TENSORS.map(([name, spec]) => ({
        name: `state_dict.${name}`,
        path: ["state_dict", name],
        dtype: spec.dtype ?? "F16",
        shape: spec.shape,
      })),
    );
  });

  it.each(["archive", "washinoboku", "mm_sdxl_nightly,ckpt", "Deniska"])(
    "accepts the archive root %s",
    async (root) => {
      const { verdict, result } = await scan({ root });
      expect(verdict).toBe("safe");
      expect(result.tensors).toHaveLength(SD_TENSORS.length);
    },
  );

  it("accepts the torch < 2.1 layout (no byteorder, format or serialization records)", async () => {
    const { verdict } = await scan({
      byteorder: null,
      omit: [".format_version", ".storage_alignment", ".data/serialization_id"],
    });
    expect(verdict).toBe("safe");
  });

  it("notes a big-endian byteorder without lowering the verdict", async () => {
    const { result, verdict } = await scan({ byteorder: "big" });
    expect(verdict).toBe("safe");
    expect(result.findings).toContainEqual(expect.objectContaining({ severity: "safe", code: "big-endian" }));
  });

  it("lists a > 4 GiB zip64 checkpoint from headers alone, whatever the data size", async () => {
    const big = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [3 * 1024 ** 3] }]]), {
      persistentIds: "zip",
    });
    const small = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [512] }]]), {
      persistentIds: "zip",
    });
    const huge = await scan({ dataPkl: big.bytes, storages: big.storages });
    const tiny = await scan({ dataPkl: small.bytes, storages: small.storages });
    expect(big.storages[0]!.byteSize).toBe(6 * 1024 ** 3);
    expect(huge.verdict).toBe("safe");
    expect(huge.result.tensors[0]!.shape).toEqual([3 * 1024 ** 3]);
    expect(huge.bytesRead).toBeLessThan(16 * 1024);
    // the 6 GiB record adds only its zip64 extra fields to what is read
    expect(Math.abs(huge.bytesRead - tiny.bytesRead)).toBeLessThan(256);
  });
});

describe("readTorchZip on hostile containers", () => {
  it("two data.pkl entries, benign first, are dangerous and both are scanned", async () => {
    const { result, verdict } = await scan({ extraEntries: [{ name: "model/data.pkl", data: payload }] });
    expect(verdict).toBe("dangerous");
    expect(finding(result, "ambiguous-record")).toMatch(/2 entries match model\/data\.pkl/);
    expect(result.imports.some((i) => i.verdict === "dangerous")).toBe(true);
    expect(result.tensors).toHaveLength(SD_TENSORS.length);
  });

  it("two data.pkl entries, malicious first, are dangerous and both are scanned", async () => {
    const { result, verdict } = await scan({
      extraEntries: [{ name: "model/data.pkl", data: payload, position: "first" }],
    });
    expect(verdict).toBe("dangerous");
    finding(result, "ambiguous-record");
    expect(result.imports.some((i) => i.verdict === "dangerous")).toBe(true);
    expect(result.imports.some((i) => i.resolved.includes("_rebuild_tensor_v2"))).toBe(true);
  });

  it("treats names differing only in case as the same record, as miniz looks them up", async () => {
    const { result, verdict } = await scan({ extraEntries: [{ name: "model/DATA.PKL", data: payload }] });
    expect(verdict).toBe("dangerous");
    finding(result, "ambiguous-record");
  });

  it("a local-header name that differs is scanned by its central name and is suspicious", async () => {
    const { result, verdict } = await scan({ tweaks: { "data.pkl": { localName: "model/datap.kl" } } });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "zip-anomaly")).toMatch(/datap\.kl/);
    expect(result.tensors).toHaveLength(SD_TENSORS.length);
  });

  it("a bad CRC-32 on data.pkl is suspicious, and the pickle is scanned anyway", async () => {
    const { result, verdict } = await scan({ tweaks: { "data.pkl": { crc32: 0x12345678 } } });
    expect(verdict).toBe("suspicious");
    expect(result.findings.map((f) => f.message).join("\n")).toMatch(/CRC-32/);
    expect(result.tensors).toHaveLength(SD_TENSORS.length);
  });

  it("a bad CRC-32 on a storage is ignored, as torch ignores it", async () => {
    const { verdict } = await scan({ tweaks: { "data/0": { crc32: 0x12345678 } } });
    expect(verdict).toBe("safe");
  });

  it("encryption or patch flags are suspicious, invalid on records torch reads, and stop nothing", async () => {
    const { result, verdict, codes } = await scan({
      tweaks: { "data.pkl": { flags: 0x40 }, "data/1": { flags: 0x1 } },
      extraEntries: [{ name: "model/extra/notes.txt", data: Buffer.from("hello"), flags: 0x20 }],
    });
    expect(verdict).toBe("suspicious");
    expect(codes).toContain("invalid");
    expect(result.findings.filter((f) => f.code === "invalid").map((f) => f.message)).toEqual([
      "model/data.pkl: flags 0x848 make torch refuse to read it",
      "model/data/1: flags 0x809 make torch refuse to read it",
    ]);
    expect(result.tensors).toHaveLength(SD_TENSORS.length);
  });

  it("a pickle hidden in a non-pickle name is found by its first bytes and scanned", async () => {
    const { result, verdict } = await scan({ extraEntries: [{ name: "model/extra/payload.txt", data: payload }] });
    expect(verdict).toBe("dangerous");
    expect(result.imports.some((i) => i.verdict === "dangerous")).toBe(true);
    expect(finding(result, "zip-anomaly")).toMatch(/extra\/payload\.txt/);
  });

  it("a compressed hidden pickle is found too, and an entry that is no pickle is only reported", async () => {
    const { result, verdict } = await scan({
      extraEntries: [
        { name: "model/extra/payload.bin", data: payload, deflate: true },
        { name: "model/extra/readme.txt", data: Buffer.from("not a pickle") },
      ],
    });
    expect(verdict).toBe("dangerous");
    expect(result.imports.filter((i) => i.verdict === "dangerous")).toHaveLength(1);
  });

  it("names escaping the extraction directory are dangerous", async () => {
    for (const name of ["model/../../../../evil.sh", "/etc/cron.d/evil", "C:\\evil.bat", "model/a\\b.txt"]) {
      const { result, verdict } = await scan({ extraEntries: [{ name, data: Buffer.from("echo") }] });
      expect(verdict, name).toBe("dangerous");
      finding(result, "zip-slip");
    }
  });

  it("a deflated data.pkl is inflated under its declared size and marked suspicious", async () => {
    const { result, verdict } = await scan({ tweaks: { "data.pkl": { deflate: true } } });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "zip-anomaly")).toMatch(/data\.pkl is compressed \(method 8\)/);
    expect(result.tensors).toHaveLength(SD_TENSORS.length);
  });

  it("a deflate bomb in data/0 is never inflated", async () => {
    const spec = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [32 * 1024 * 1024] }]]), {
      persistentIds: "zip",
    });
    const { result, verdict, bytesRead } = await scan({
      dataPkl: spec.bytes,
      storages: spec.storages,
      tweaks: { "data/0": { deflate: true } },
    });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "zip-anomaly")).toMatch(/data\/0 is compressed \(method 8\); it was not inflated/);
    expect(bytesRead).toBeLessThan(8 * 1024);
  });

  it("bytes after the end record are suspicious", async () => {
    const { result, verdict } = await scan({ trailingBytes: Buffer.from("trailing data") });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "trailing-bytes")).toMatch(/13 bytes after/);
  });

  it("a TorchScript archive is an unsupported container", async () => {
    const { result, verdict } = await scan({
      extraEntries: [
        { name: "model/constants.pkl", data: Uint8Array.from([0x80, 0x02, 0x29, 0x2e]) },
        { name: "model/code/__torch__/model.py", data: Buffer.from("class Model: pass\n") },
      ],
    });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "unsupported-container")).toMatch(/TorchScript/);
  });

  it("a storage record shorter than declared, or longer by a whole element or more, is dangerous", async () => {
    // Storage 3 is a float32 storage: a 4-byte element. torch.save never writes a record 4 bytes too long.
    for (const delta of [-2, -4, 4, 6]) {
      const storages = benignStorages.map((s, i) => (i === 3 ? { ...s, byteSize: s.byteSize + delta } : s));
      const { result, verdict } = await scan({ storages });
      expect(verdict, `record ${delta} bytes off`).toBe("dangerous");
      expect(finding(result, "storage-size-mismatch")).toMatch(
        /model\/data\/3 holds \d+ bytes but the pickle declares/,
      );
    }
  });

  it("a record longer by under one element (a dtype view on an odd-length storage) is suspicious", async () => {
    for (const delta of [1, 3]) {
      const storages = benignStorages.map((s, i) => (i === 3 ? { ...s, byteSize: s.byteSize + delta } : s));
      const { result, verdict } = await scan({ storages });
      expect(verdict, `record ${delta} bytes longer`).toBe("suspicious");
      expect(finding(result, "storage-size-mismatch")).toMatch(/model\/data\/3 holds \d+ bytes/);
    }
  });

  it("a referenced storage record that is missing is invalid; an unreferenced one is suspicious", async () => {
    const missing = await scan({ omit: ["data/2"] });
    expect(missing.verdict).toBe("suspicious");
    expect(finding(missing.result, "invalid")).toMatch(/storage 2 has no model\/data\/2 record/);
    const extra = await scan({ storages: [...benignStorages, { key: "99", byteSize: 8 }] });
    expect(extra.verdict).toBe("suspicious");
    expect(finding(extra.result, "zip-anomaly")).toMatch(/storage record\(s\) no tensor uses: "model\/data\/99"/);
  });

  it("a missing version record is invalid, as torch refuses the file", async () => {
    const { result, verdict } = await scan({ omit: ["version"] });
    expect(verdict).toBe("suspicious");
    expect(finding(result, "invalid")).toMatch(/version/);
  });

  it("a first entry outside any directory leaves no archive root", async () => {
    const { result, verdict } = await scan({ extraEntries: [{ name: "data.pkl", data: payload, position: "first" }] });
    expect(result.error?.code).toBe("invalid");
    expect(result.tensors).toEqual([]);
    // the root-less data.pkl is still interpreted as a pickle
    expect(verdict).toBe("dangerous");
  });

  it("a PK file whose central directory cannot be parsed is dangerous and unscannable", async () => {
    const path = join(await tempDir(), "broken.ckpt");
    await writeFile(path, Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(200, 0x5a)]));
    const { result, verdict } = await scanFile(path);
    expect(verdict).toBe("dangerous");
    expect(result.error?.code).toBe("unscannable");
    expect(result.findings[0]!.code).toBe("unscannable");
  });
});
