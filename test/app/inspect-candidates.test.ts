import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { inspectCandidates } from "../../src/app/inspect-candidates.js";
import { METADATA_SHOWN, METADATA_VALUE_CHARS } from "../../src/app/kept-metadata.js";
import { distinctObjects } from "../distinct-objects.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs("sdmodels-candidates-");

/**
 * Objects kept per inspected file to the end of `sort`: its record, the inspection, the candidate and its identity.
 * Its classification and safety report (with their lists) are equal to most other files' and are kept once: 10
 * objects a file before, ~0.5 kB more per file at 100,000 files.
 */
const MAX_OBJECTS_PER_FILE = 4;

describe("inspectCandidates keeps header metadata only for a report", () => {
  it("keeps the shown part of it when asked, and none otherwise", async () => {
    const path = join(await tempDir(), "style.safetensors");
    const metadata: Record<string, string> = { ss_output_name: "style" };
    // Kohya writes tens of kB of training metadata; a run over many files must not keep it.
    for (let i = 0; i < 20; i++) metadata[`ss_tag_frequency_${i}`] = "tag ".repeat(10_000);
    await writeSafetensors(path, [{ name: "emb_params", shape: [2, 768], dtype: "F32" }], { metadata });

    const [kept] = await inspectCandidates([path], undefined, { keepMetadata: true });
    const [dropped] = await inspectCandidates([path], undefined, { keepMetadata: false });

    const shown = kept?.inspection.metadata ?? {};
    expect(Object.keys(shown)).toHaveLength(METADATA_SHOWN);
    expect(shown.ss_output_name).toBe("style");
    expect(shown.ss_tag_frequency_0).toHaveLength(METADATA_VALUE_CHARS + 1);
    expect(dropped?.inspection.metadata).toBeNull();
    expect(dropped?.classification).toEqual(kept?.classification);
    // What only `inspect` prints is not kept either.
    expect(kept?.classification).toMatchObject({ kind: "embedding", evidence: [] });
  });
});

describe("inspectCandidates keeps little per file", () => {
  it(`keeps at most ${MAX_OBJECTS_PER_FILE} objects of its own per file`, async () => {
    const dir = await tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 20; i++) {
      paths.push(join(dir, `embedding-${i}.safetensors`));
      await writeSafetensors(paths[i] as string, [{ name: "emb_params", shape: [2 + i, 768], dtype: "F32" }]);
    }
    const few = distinctObjects(await inspectCandidates(paths.slice(0, 2), undefined, { keepMetadata: false }));
    const many = distinctObjects(await inspectCandidates(paths, undefined, { keepMetadata: false }));
    expect((many - few) / (paths.length - 2)).toBeLessThanOrEqual(MAX_OBJECTS_PER_FILE);
  });
});
