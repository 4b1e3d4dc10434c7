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
});
