import { describe, expect, it } from "vitest";
import { fixtureTensorInfos, MODEL_FIXTURES, type ModelFixture } from "../../fixtures/models/catalog.js";
import { classify } from "../../src/classify/classify.js";
import { ALGORITHMS, KINDS } from "../../src/classify/types.js";
import { texts } from "./build.js";

function run(f: ModelFixture) {
  return classify({ tensors: fixtureTensorInfos(f), metadata: f.metadata ?? null, values: f.values ?? {} });
}

describe("model catalog", () => {
  it.each(MODEL_FIXTURES.map((f) => [f.id, f] as const))("%s", (_id, f) => {
    const got = run(f);
    const want: Record<string, unknown> = {
      kind: f.expected.kind,
      algorithm: f.expected.algorithm,
      base: f.expected.base,
    };
    const seen: Record<string, unknown> = { kind: got.kind, algorithm: got.algorithm, base: got.base };
    if (f.expected.variant !== undefined) {
      want.variant = f.expected.variant;
      seen.variant = got.variant;
    }
    if (f.expected.architecture !== undefined) {
      want.architecture = f.expected.architecture;
      seen.architecture = got.architecture;
    }
    expect(seen, `${f.fileName}: evidence\n  ${texts(got).join("\n  ")}`).toEqual(want);
  });

  it("has unique ids", () => {
    const ids = MODEL_FIXTURES.map((f) => f.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("covers every kind and every LoRA algorithm", () => {
    expect(KINDS.filter((k) => !MODEL_FIXTURES.some((f) => f.expected.kind === k))).toEqual([]);
    expect(ALGORITHMS.filter((a) => !MODEL_FIXTURES.some((f) => f.expected.algorithm === a))).toEqual([]);
  });

  it("keeps tensor names unique within each fixture", () => {
    const dupes = MODEL_FIXTURES.flatMap((f) => {
      const names = fixtureTensorInfos(f).map((t) => t.name);
      return names.length === new Set(names).size ? [] : [f.id];
    });
    expect(dupes).toEqual([]);
  });
});
