import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HOSTILE_SAMPLE, SAMPLES, writeSamples } from "../../fixtures/make-samples.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs("sdmodels-samples-");
const COMMITTED = fileURLToPath(new URL("../../fixtures/samples", import.meta.url));

/** What each committed sample must inspect as: kind and base for the models, error code for the rest. */
const EXPECTED: Record<
  string,
  { format: string; verdict: string; kind?: string; base?: string; error?: string; imports?: string[] }
> = {
  "EasyNegative.safetensors": { format: "safetensors", verdict: "safe", kind: "embedding", base: "sd1" },
  "negativeXL_D.safetensors": { format: "safetensors", verdict: "safe", kind: "embedding", base: "sdxl" },
  "badhandv4.pt": { format: "torch-zip", verdict: "safe", kind: "embedding", base: "sd1" },
  "learned_embeds.bin": { format: "torch-zip", verdict: "safe", kind: "embedding", base: "sd1" },
  "model.safetensors": { format: "unknown", verdict: "suspicious", error: "error-page" },
  "juggernautXL_v9Rdphoto2Lightning.safetensors": { format: "unknown", verdict: "suspicious", error: "error-page" },
  "unaestheticXLv31.safetensors": {
    format: "safetensors",
    verdict: "suspicious",
    kind: "embedding",
    base: "sdxl",
    error: "MetadataIncompleteBuffer",
  },
  "bad_prompt_sd15.ckpt": { format: "safetensors", verdict: "safe", kind: "embedding", base: "sd1" },
};

/**
 * A committed file is real data in git that every clone and the npm package carry, so each must stay small, and so
 * must the set: a few hundred KB, not the megabytes a real model is.
 */
const MAX_SAMPLE_BYTES = 100 * 1024;
const MAX_SAMPLES_BYTES = 400 * 1024;

describe("committed samples", () => {
  it("are reproduced byte for byte by make-samples, with nothing stale left in the folder", async () => {
    const dir = await tempDir();
    const written = await writeSamples(dir);
    expect((await readdir(COMMITTED)).sort()).toEqual([...written].sort());
    for (const name of written) {
      const [fresh, committed] = await Promise.all([readFile(join(dir, name)), readFile(join(COMMITTED, name))]);
      expect(fresh.equals(committed), `${name} differs from a fresh make-samples run`).toBe(true);
    }
  });

  it("stay within the size budget", async () => {
    const sizes = await Promise.all(SAMPLES.map(async (s) => (await readFile(join(COMMITTED, s.fileName))).length));
    for (const [i, size] of sizes.entries()) expect(size, SAMPLES[i]!.fileName).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_SAMPLES_BYTES);
  });

  it("every sample has an expectation here and a line in the README", async () => {
    expect(SAMPLES.map((s) => s.fileName).sort()).toEqual(Object.keys(EXPECTED).sort());
    const readme = await readFile(join(COMMITTED, "README.md"), "utf8");
    for (const sample of SAMPLES) expect(readme).toContain(`| \`${sample.fileName}\` |`);
  });

  it("hold no dangerous file: the demo writes its hostile pickle at run time", async () => {
    expect(SAMPLES.map((s) => s.fileName)).not.toContain(HOSTILE_SAMPLE.fileName);
    for (const name of await readdir(COMMITTED)) {
      if (name.endsWith(".md") || name.startsWith(".")) continue;
      expect((await inspectFile(join(COMMITTED, name))).safety.verdict, name).not.toBe("dangerous");
    }
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} inspects as ${expected.kind ?? expected.error} (${expected.verdict})`, async () => {
      const inspection = await inspectFile(join(COMMITTED, name));
      expect(inspection.format).toBe(expected.format);
      expect(inspection.safety.verdict).toBe(expected.verdict);
      expect(inspection.error?.code ?? null).toBe(expected.error ?? null);
      if (expected.kind !== undefined) {
        const classification = classify({
          tensors: inspection.tensors,
          metadata: inspection.metadata,
          values: inspection.values,
        });
        expect({ kind: classification.kind, base: classification.base }).toEqual({
          kind: expected.kind,
          base: expected.base,
        });
      } else {
        expect(inspection.tensors).toEqual([]);
      }
      const dangerous = inspection.safety.imports.filter((i) => i.verdict === "dangerous").map((i) => i.resolved);
      expect(dangerous).toEqual(expected.imports ?? []);
      // Headers only: no sample is read in full, not even the 33 kB ones.
      if (expected.format === "safetensors") expect(inspection.bytesRead).toBeLessThan(inspection.size);
    });
  }
});

describe("the demo's hostile pickle", () => {
  it("is an embedding that imports posix.system, dangerous, and still classified", async () => {
    const path = join(await tempDir(), HOSTILE_SAMPLE.fileName);
    await HOSTILE_SAMPLE.write(path);
    const inspection = await inspectFile(path);
    expect([inspection.format, inspection.safety.verdict]).toEqual(["torch-zip", "dangerous"]);
    expect(inspection.safety.imports.filter((i) => i.verdict === "dangerous").map((i) => i.resolved)).toEqual([
      "posix.system",
    ]);
    const classification = classify({
      tensors: inspection.tensors,
      metadata: inspection.metadata,
      values: inspection.values,
    });
    expect({ kind: classification.kind, base: classification.base }).toEqual({ kind: "embedding", base: "sd1" });
  });
});
