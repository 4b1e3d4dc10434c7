import { beforeAll, describe, expect, it } from "vitest";
import {
  type FixtureContainer,
  fixtureTensorInfos,
  MODEL_FIXTURES,
  type ModelFixture,
} from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import type { Inspection } from "../../src/inspect/types.js";
import { useTempDirs } from "../helpers.js";
import { byPath, dataBytes, expectedFields, FIXED_LOOK_BYTES } from "./model-files.js";

/**
 * The whole pipeline on real files: every catalog model, written in every container it occurs in, read back by
 * content and classified. These are benign files as torch.save and safetensors write them, so anything but a clean
 * "safe" with the catalog's answer is a bug in a reader, the pickle interpreter or the classifier.
 */

const tempDir = useTempDirs("sdmodels-catalog-");

/** Files above this are held to < 1 % read; below it the fixed header cost can be a larger share (a 4 KB embedding). */
const LARGE_FILE_BYTES = 100_000_000;

/**
 * A legacy file has no index: the reader cannot know where its five pickles end without reading on, so it reads
 * ahead in chunks (256 KiB, then doubling) and up to one chunk of storage bytes comes along. Still no data term.
 */
const LEGACY_FIRST_CHUNK_BYTES = 256 * 1024;

function readAheadBytes(container: FixtureContainer, structureBytes: number): number {
  return container === "torch-legacy" ? Math.max(LEGACY_FIRST_CHUNK_BYTES, structureBytes) : 0;
}

const CASES = MODEL_FIXTURES.flatMap((fixture) =>
  fixture.containers.map((container) => ({ fixture, container, key: `${fixture.id}/${container}` })),
);

describe.each(CASES)("$key", ({ fixture, container }: { fixture: ModelFixture; container: FixtureContainer }) => {
  let inspection: Inspection;

  beforeAll(async () => {
    // The temp dir goes after this block's first test; the inspection is all either test needs.
    inspection = await inspectFile(await writeModelFixture(fixture, container, await tempDir()));
  });

  it(`reads back as a clean ${container} and classifies as ${fixture.expected.kind}/${fixture.expected.base}`, () => {
    expect(inspection.error).toBeNull();
    expect(inspection.format).toBe(container);
    // Listed first so a failure names the finding that fired, not just the verdict.
    expect(inspection.safety.findings.filter((f) => f.severity !== "safe")).toEqual([]);
    expect(inspection.safety.verdict).toBe("safe");
    expect(inspection.tensors).toHaveLength(fixture.tensors.length);
    expect(byPath(inspection.tensors)).toEqual(byPath(fixtureTensorInfos(fixture)));
    if (container === "safetensors") expect(inspection.metadata).toEqual(fixture.metadata ?? null);
    else expect(inspection.values).toEqual(fixture.values ?? {});
    expect(expectedFields(classify(inspection), fixture)).toEqual(fixture.expected);
  });

  it("reads only header bytes, however large the data", () => {
    // The bound has no data term: the container's own structure, fixed-size looks and the legacy read-ahead.
    const structure = inspection.size - dataBytes(fixture);
    expect(inspection.bytesRead).toBeLessThanOrEqual(
      structure + FIXED_LOOK_BYTES + readAheadBytes(container, structure),
    );
    if (inspection.size > LARGE_FILE_BYTES) expect(inspection.bytesRead).toBeLessThan(inspection.size / 100);
  });
});
