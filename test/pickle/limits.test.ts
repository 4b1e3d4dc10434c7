import { describe, expect, it } from "vitest";
import { PickleBuilder } from "../../fixtures/pickle-builder.js";
import { analyzePickle } from "../../src/pickle/analyze.js";
import { MAX_MARK_DEPTH } from "../../src/pickle/limits.js";
import { codes, verdictOf } from "./verdict.js";

const plain = { persistentIds: "none" } as const;

describe("hostile streams finish with a verdict", () => {
  it("the 8-byte BINBYTES file with length 0xfffffffb is rejected before allocating", () => {
    const a = analyzePickle(Uint8Array.from([0x80, 0x03, 0x42, 0xfb, 0xff, 0xff, 0xff, 0x2e]), plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(codes(a, "dangerous")).toEqual(["structural-violation"]);
    expect(a.end).toBeNull();
  });

  it("a BINSTRING with a negative length is dangerous", () => {
    const a = analyzePickle(new PickleBuilder().proto(2).lengthOnly("BINSTRING", -5).stop().bytes(), plain);
    expect(verdictOf(a)).toBe("dangerous");
  });

  it("LONG4 of 2 MiB is rejected without decoding; LONG1 over 16 bytes too", () => {
    const long4 = new PickleBuilder()
      .proto(2)
      .long4Raw(new Uint8Array(2 * 1024 * 1024).fill(0x7f))
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(long4, plain))).toBe("dangerous");
    const long1 = new PickleBuilder().proto(2).long1Raw(new Uint8Array(17).fill(1)).stop().bytes();
    expect(verdictOf(analyzePickle(long1, plain))).toBe("dangerous");
  });

  it("100k-deep MARK nesting fails closed as unscannable", () => {
    const b = new PickleBuilder().proto(2);
    for (let i = 0; i < 100_000; i++) b.mark();
    const a = analyzePickle(b.stop().bytes(), plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(codes(a)).toEqual(["unscannable"]);
    expect(a.findings[0]!.message).toContain(String(MAX_MARK_DEPTH));
  });

  it("a 2^60-leaf memo DAG is interpreted and walked once per container", () => {
    // Level i+1 is a tuple of two references to level i; the root list holds every level.
    const b = new PickleBuilder()
      .proto(2)
      .emptyList()
      .binput(200)
      .emptyDict()
      .binunicode("leaf")
      .none()
      .setitem()
      .binput(0)
      .append();
    for (let i = 0; i < 60; i++)
      b.mark()
        .binget(i)
        .binget(i)
        .tuple()
        .binput(i + 1)
        .append();
    const a = analyzePickle(b.stop().bytes(), plain);
    expect(a.findings).toEqual([]);
    expect(verdictOf(a)).toBe("safe");
    expect(Object.keys(a.values)).toEqual(["0.leaf"]);
  });

  it("memo keys are values, not positions: sparse keys round-trip, MEMOIZE numbers entries, a miss is invalid", () => {
    const b = new PickleBuilder().proto(4).emptyDict().memoize(); // key 0
    b.shortBinunicode("sparse").shortBinunicode("far").longBinput(0xffffffff).setitem();
    b.shortBinunicode("again").longBinget(0xffffffff).setitem();
    // Re-storing a key is no new entry: MEMOIZE after it stores key 2 (entries 0 and 0xffffffff), not 3.
    b.shortBinunicode("x").longBinput(0xffffffff).memoize().pop().binget(2).shortBinunicode("y").setitem();
    const a = analyzePickle(b.stop().bytes(), plain);
    // MEMOIZE and friends are protocol 4, outside torch's grammar: notes, nothing else.
    expect(codes(a)).toEqual(["non-weights-only-opcode"]);
    expect(a.values).toEqual({ sparse: "far", again: "far", x: "y" });
    const missing = analyzePickle(new PickleBuilder().proto(2).longBinget(7).stop().bytes(), plain);
    expect(codes(missing)).toEqual(["invalid"]);
  });

  it("a self-referential list is fine", () => {
    const a = analyzePickle(
      new PickleBuilder().proto(2).emptyList().binput(0).binget(0).append().stop().bytes(),
      plain,
    );
    expect(verdictOf(a)).toBe("safe");
    expect(a.end).not.toBeNull();
  });

  it("APPENDS with 10^6 items finishes, with values capped", () => {
    const b = new PickleBuilder().proto(2).emptyList().mark();
    for (let i = 0; i < 1_000_000; i++) b.binint1(i & 0xff);
    const a = analyzePickle(b.appends().stop().bytes(), plain);
    expect(verdictOf(a)).toBe("safe");
    expect(Object.keys(a.values).length).toBeLessThan(1_000_000);
  });

  it("a FRAME that ends inside an opcode, or a frame inside a frame, is dangerous", () => {
    const body = new PickleBuilder().binunicode("abcdef").stop().bytes();
    const short = new PickleBuilder().proto(4).frame(3).raw(body).bytes();
    expect(verdictOf(analyzePickle(short, plain))).toBe("dangerous");
    const nested = new PickleBuilder().proto(4).frame(20).frame(5).none().stop().bytes();
    expect(verdictOf(analyzePickle(nested, plain))).toBe("dangerous");
  });

  it("a second PROTO, EXT1, NEXT_BUFFER are dangerous opcodes (PERSID: red-team.test.ts)", () => {
    const streams = [
      new PickleBuilder().proto(2).none().pop().proto(2).none().stop().bytes(),
      new PickleBuilder().proto(2).ext1(1).stop().bytes(),
      new PickleBuilder().proto(5).nextBuffer().stop().bytes(),
    ];
    for (const bytes of streams) expect(verdictOf(analyzePickle(bytes, plain))).toBe("dangerous");
  });

  it("protocol-0/4 data opcodes are suspicious: outside the weights-only grammar", () => {
    const text = new PickleBuilder()
      .mark()
      .intText("5")
      .longText("12L")
      .floatText("1.5")
      .unicodeText("x")
      .shortBinbytes(Uint8Array.of(1))
      .list()
      .stop()
      .bytes();
    const a = analyzePickle(text, plain);
    expect(verdictOf(a)).toBe("suspicious");
    expect(codes(a)).toEqual(["non-weights-only-opcode"]);
    expect(a.values).toEqual({ 0: 5, 1: 12, 2: 1.5, 3: "x" });
  });

  it("never throws on random bytes", () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 1 + (n % 64) }, random);
      const a = analyzePickle(bytes, { persistentIds: n % 2 ? "zip" : "legacy" });
      expect(a.findings.length + a.imports.length).toBeGreaterThanOrEqual(0);
      expect(["safe", "suspicious", "dangerous"]).toContain(verdictOf(a));
    }
  });
});
