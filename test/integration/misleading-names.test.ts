import { rename } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FixtureContainer } from "../../fixtures/models/catalog.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs } from "../helpers.js";
import { expectedFields } from "./model-files.js";

/**
 * Names lie: download folders are full of renamed files, and a loader picked by extension is how tools get them
 * wrong. Each file is saved under its real name and then renamed, as in the wild, so a torch zip keeps the archive
 * root of the name it was saved under.
 */

const tempDir = useTempDirs("sdmodels-names-");

interface Case {
  title: string;
  fixture: string;
  container: FixtureContainer;
  name: string;
}

const CASES: Case[] = [
  {
    title: "a LoRA named sd_xl_base_1.0.safetensors",
    fixture: "sdxl-lora-named-like-checkpoint",
    container: "safetensors",
    name: "sd_xl_base_1.0.safetensors",
  },
  {
    title: "a VAE named like a LoRA",
    fixture: "vae-named-like-lora",
    container: "safetensors",
    name: "add_detail_lora.safetensors",
  },
  {
    title: "a safetensors checkpoint named .ckpt",
    fixture: "sd1-checkpoint-ldm-safetensors",
    container: "safetensors",
    name: "v1-5-pruned-emaonly.ckpt",
  },
  {
    title: "a torch zip ControlNet renamed to .safetensors",
    fixture: "sd1-controlnet-ldm",
    container: "torch-zip",
    name: "canny-fp16.safetensors",
  },
  {
    title: "a legacy torch ESRGAN named .bin",
    fixture: "esrgan-old",
    container: "torch-legacy",
    name: "pytorch_model.bin",
  },
  {
    title: "a legacy A1111 embedding named .bin",
    fixture: "sd1-embedding-a1111-pt",
    container: "torch-legacy",
    name: "learned_embeds.bin",
  },
];

describe("misleading names are classified by content", () => {
  it.each(CASES)("$title", async ({ fixture: id, container, name }) => {
    const fixture = fixtureById(id);
    const dir = await tempDir();
    const saved = await writeModelFixture(fixture, container, dir);
    const path = join(dir, name);
    await rename(saved, path);

    const inspection = await inspectFile(path);
    expect(inspection.format).toBe(container);
    expect(inspection.error).toBeNull();
    expect(inspection.safety.findings.filter((f) => f.severity !== "safe")).toEqual([]);
    expect(inspection.tensors).toHaveLength(fixture.tensors.length);
    expect(expectedFields(classify(inspection), fixture)).toEqual(fixture.expected);
  });
});
