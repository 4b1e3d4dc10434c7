import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { inspectCandidates } from "../../src/app/inspect-candidates.js";
import { METADATA_SHOWN, METADATA_VALUE_CHARS } from "../../src/app/kept-metadata.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs("sdmodels-candidates-");

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
