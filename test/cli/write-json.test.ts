import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeJson } from "../../src/cli/output/json.js";

/** Everything written, and how many writes it took. */
function capture(): { stream: Writable; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join(""), writes: () => chunks.length };
}

describe("writeJson", () => {
  it("writes exactly JSON.stringify(value, null, 2) and a newline, whatever the value holds", () => {
    const values: unknown[] = [
      null,
      "a\nb",
      42,
      [],
      {},
      [undefined, () => 1, Symbol("s"), null],
      { a: undefined, b: () => 1, c: 1 },
      { only: undefined },
      { date: new Date(0), nested: { deep: [{ x: "line\nbreak", y: [] }], empty: {} }, list: [[1, [2, { z: 3 }]]] },
      { toJSON: () => ({ replaced: true }) },
      { skipped: { toJSON: () => undefined }, kept: 1 },
      { plan: [{ source: "/a ü/€.safetensors", warnings: [], sidecars: [{ s: 1 }] }], summary: { files: 1 } },
    ];
    for (const value of values) {
      const out = capture();
      writeJson(out.stream, value);
      expect(out.text()).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }
  });

  it("writes a large report in pieces, not as one string", () => {
    const plan = Array.from({ length: 20_000 }, (_, i) => ({ source: `/downloads/model-${i}.safetensors`, n: i }));
    const out = capture();
    writeJson(out.stream, { plan, summary: { files: plan.length } });
    expect(out.text()).toBe(`${JSON.stringify({ plan, summary: { files: plan.length } }, null, 2)}\n`);
    expect(out.writes()).toBeGreaterThan(10);
  });

  it("writes a list given as a generator as the array it yields, making each item only as it is written", () => {
    const made: number[] = [];
    function* rows(count: number) {
      for (let i = 0; i < count; i++) {
        made.push(i);
        yield { source: `/downloads/model-${i}.safetensors`, warnings: [] };
      }
    }
    const expected = (count: number) => ({ dryRun: true, plan: [...rows(count)], summary: { files: count } });
    for (const count of [0, 1, 3]) {
      const out = capture();
      writeJson(out.stream, { dryRun: true, plan: rows(count), summary: { files: count } });
      expect(out.text()).toBe(`${JSON.stringify(expected(count), null, 2)}\n`);
    }
    // Items are pulled one at a time while writing: a 20,000-row list is written in many pieces as it is made.
    made.length = 0;
    const out = capture();
    let madeAtFirstWrite = -1;
    const stream = new Writable({
      write(chunk, encoding, done) {
        if (madeAtFirstWrite < 0) madeAtFirstWrite = made.length;
        out.stream.write(chunk, encoding, done);
      },
    });
    writeJson(stream, { plan: rows(20_000) });
    expect(madeAtFirstWrite).toBeGreaterThan(0);
    expect(madeAtFirstWrite).toBeLessThan(20_000);
  });
});
