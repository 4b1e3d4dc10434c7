import { open } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { ModelFixture } from "../../fixtures/models/catalog.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { wrapped } from "../../fixtures/models/tensor-builders.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { SNIFF_BYTES } from "../../src/read/sniff.js";
import { useTempDirs } from "../helpers.js";
import { dataBytes, expectedFields, FIXED_LOOK_BYTES } from "./model-files.js";

/**
 * Full-size SDXL checkpoints, sparse on disk: classification must cost header bytes only, so the count of bytes read
 * is pinned against the file's own structure, never a share of its size.
 */

const tempDir = useTempDirs("sdmodels-large-");

const GIB = 1024 ** 3;
/** Past this, offsets no longer fit the 32-bit zip fields and torch (miniz) writes zip64 records. */
const ZIP32_LIMIT = 0xffffffff;

/** SDXL base in fp16, as Civitai checkpoints ship it: about 6.9 GB of weights. */
const SDXL = fixtureById("sdxl-checkpoint-pony");

/** The same weights as an sgm training `.ckpt`: `state_dict` beside `global_step`. */
const SDXL_CKPT: ModelFixture = {
  ...SDXL,
  id: "sdxl-checkpoint-sgm-ckpt",
  fileName: "sdxl_base_trained.ckpt",
  containers: ["torch-zip"],
  tensors: wrapped(["state_dict"], SDXL.tensors),
  values: { epoch: 3, global_step: 60000 },
};

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, position);
    return buffer;
  } finally {
    await handle.close();
  }
}

describe("SDXL-sized files are classified from their headers", () => {
  it("a 7 GB safetensors checkpoint: the sniff, the 8-byte length and the header, nothing else", async () => {
    const path = await writeModelFixture(SDXL, "safetensors", await tempDir());
    const headerLength = Number((await readAt(path, 0, 8)).readBigUInt64LE(0));

    const inspection = await inspectFile(path);
    expect(inspection.size).toBeGreaterThan(6.9e9);
    expect(inspection.size).toBe(8 + headerLength + dataBytes(SDXL));
    expect(inspection.bytesRead).toBe(SNIFF_BYTES + 8 + headerLength);
    expect(inspection.safety.verdict).toBe("safe");
    expect(expectedFields(classify(inspection), SDXL)).toEqual(SDXL.expected);
  });

  it("a > 4 GiB zip64 torch checkpoint: data.pkl and the zip records, no storage bytes", async () => {
    const path = await writeModelFixture(SDXL_CKPT, "torch-zip", await tempDir());

    const inspection = await inspectFile(path);
    expect(inspection.size).toBeGreaterThan(4 * GIB);
    // The plain end record saturates its central-directory offset: only the zip64 records locate the directory.
    const endRecord = await readAt(path, inspection.size - 22, 22);
    expect(endRecord.readUInt32LE(0)).toBe(0x06054b50);
    expect(endRecord.readUInt32LE(16)).toBe(ZIP32_LIMIT);

    expect(inspection.error).toBeNull();
    expect(inspection.safety.findings.filter((f) => f.severity !== "safe")).toEqual([]);
    expect(inspection.tensors).toHaveLength(SDXL_CKPT.tensors.length);
    expect(inspection.values).toEqual(SDXL_CKPT.values);
    expect(inspection.bytesRead).toBeLessThanOrEqual(inspection.size - dataBytes(SDXL_CKPT) + FIXED_LOOK_BYTES);
    expect(expectedFields(classify(inspection), SDXL_CKPT)).toEqual(SDXL_CKPT.expected);
  });
});
