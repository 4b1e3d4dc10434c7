import { describe, expect, it } from "vitest";
import { PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { type AnalyzeOptions, analyzePickle } from "../../src/pickle/analyze.js";
import { codes, verdictOf } from "./verdict.js";

/**
 * Attacks on the interpreter and the policy. Each payload names only harmless callables or asks for a large
 * allocation; nothing is ever unpickled. What CPython does with each stream was checked against `pickle`/
 * `pickletools` of CPython 3.11, without loading any payload.
 */

const plain: AnalyzeOptions = { persistentIds: "none" };
const zip: AnalyzeOptions = { persistentIds: "zip" };
const latin1 = new TextEncoder();

/** `bytearray(10**10)`: a SAFE callable whose call rule forbids an int, because CPython memsets that many bytes. */
function bytearrayBomb(b: PickleBuilder): PickleBuilder {
  return b
    .global("__builtin__", "bytearray")
    .long1(10n ** 10n)
    .tuple1()
    .reduce()
    .pop();
}

/** A text opcode whose raw operand bytes are given as-is (GLOBAL-style line), for operands the builder would encode. */
function textOp(b: PickleBuilder, opcode: string, operand: ArrayLike<number>): PickleBuilder {
  return b
    .raw([opcode.charCodeAt(0)])
    .raw(operand)
    .raw([0x0a]);
}

describe("red team: the stream must not stop early where CPython keeps going", () => {
  it("the bytearray bomb alone is dangerous (the baseline the hiding attacks build on)", () => {
    const a = analyzePickle(bytearrayBomb(new PickleBuilder().proto(2)).none().stop().bytes(), plain);
    expect(verdictOf(a)).toBe("dangerous");
  });

  it("UNICODE holds raw-unicode-escape text, not UTF-8: a Latin-1 byte does not end the interpretation", () => {
    // CPython's protocol-0 pickler writes 'é' as the single byte 0xe9 (raw-unicode-escape); loading it works.
    const legit = new PickleBuilder()
      .raw([0x56, 0xe9])
      .raw(latin1.encode("\\u00e9\\\\u0041\n"))
      .putText(0)
      .stop()
      .bytes();
    const ok = analyzePickle(legit, plain);
    expect(ok.end).toBe(legit.length);
    expect(ok.values[""]).toBe("éé\\\\u0041");
    const hidden = bytearrayBomb(textOp(new PickleBuilder().proto(2), "V", [0xff]).pop())
      .none()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(hidden, plain))).toBe("dangerous");
  });

  it("STRING operands are unescaped as CPython does, and a non-UTF-8 byte does not end the interpretation", () => {
    const escaped = new PickleBuilder()
      .proto(2)
      .stringText("'p\\x6fsix'")
      .stringText("'sys\\164em'")
      .stackGlobal()
      .binunicode("echo harmless")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const a = analyzePickle(escaped, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports.map((i) => i.resolved)).toEqual(["posix.system"]);
    // torch.load(…, encoding="latin1"), common for Python 2 checkpoints, accepts any byte in a STRING.
    const hidden = bytearrayBomb(textOp(new PickleBuilder().proto(2), "S", [0x27, 0xff, 0x27]).pop())
      .none()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(hidden, plain))).toBe("dangerous");
  });

  it("INT/LONG/GET/PUT text CPython reads but never writes (hex, octal, '_', ' ', '+', 20 digits) fails closed", () => {
    for (const text of ["0x10", "010", " 1", "1_0", "+1", "12345678901234567890"]) {
      const int = bytearrayBomb(new PickleBuilder().proto(2).intText(text).pop()).none().stop().bytes();
      expect(verdictOf(analyzePickle(int, plain)), `INT ${text}`).toBe("dangerous");
      const long = bytearrayBomb(new PickleBuilder().proto(2).longText(`${text}L`).pop())
        .none()
        .stop()
        .bytes();
      expect(verdictOf(analyzePickle(long, plain)), `LONG ${text}`).toBe("dangerous");
    }
    for (const text of [" 0", "+0", "0_0"]) {
      const get = bytearrayBomb(
        new PickleBuilder()
          .proto(2)
          .none()
          .putText(0)
          .pop()
          .raw(latin1.encode(`g${text}\n`))
          .pop(),
      )
        .none()
        .stop()
        .bytes();
      expect(verdictOf(analyzePickle(get, plain)), `GET ${text}`).toBe("dangerous");
      const put = bytearrayBomb(
        new PickleBuilder()
          .proto(2)
          .none()
          .raw(latin1.encode(`p${text}\n`))
          .pop(),
      )
        .none()
        .stop()
        .bytes();
      expect(verdictOf(analyzePickle(put, plain)), `PUT ${text}`).toBe("dangerous");
    }
    // What CPython's pickler does write stays a plain data finding.
    const canonical = new PickleBuilder()
      .mark()
      .intText("-7")
      .longText("123L")
      .intText("01")
      .floatText("1.5")
      .list()
      .putText(0)
      .stop()
      .bytes();
    const c = analyzePickle(canonical, plain);
    expect(verdictOf(c)).toBe("suspicious");
    expect(c.values[""]).toEqual([-7, 123, true, 1.5]);
  });

  it("a long FLOAT line that is not a float is rejected in linear time (no regex backtracking)", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .floatText(`${"1".repeat(200_000)}x`)
      .stop()
      .bytes();
    const a = analyzePickle(bytes, plain);
    expect(a.end).toBeNull();
    expect(codes(a)).toContain("invalid");
  });
});

describe("red team: policy gaps", () => {
  it("NEWOBJ of a SAFE class other than OrderedDict is dangerous (torch.FloatStorage(10**12) allocates)", () => {
    for (const [module, name] of [
      ["torch", "FloatStorage"],
      ["__builtin__", "bytearray"],
      ["numpy", "ndarray"],
      ["torch", "Size"],
    ] as const) {
      const bytes = new PickleBuilder()
        .proto(2)
        .global(module, name)
        .long1(10n ** 12n)
        .tuple1()
        .newobj()
        .stop()
        .bytes();
      expect(verdictOf(analyzePickle(bytes, plain)), `${module}.${name}`).toBe("dangerous");
    }
    const ordered = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .emptyTuple()
      .newobj()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(ordered, plain))).toBe("suspicious");
  });

  it("_rebuild_from_type_v2 may only call a global, under that global's call rule (no call chaining)", () => {
    const wrap = (func: (b: PickleBuilder) => PickleBuilder, args: (b: PickleBuilder) => PickleBuilder) =>
      args(
        func(new PickleBuilder().proto(2).global("torch._tensor", "_rebuild_from_type_v2").mark()).global(
          "torch",
          "Tensor",
        ),
      )
        .emptyDict()
        .tuple()
        .reduce()
        .stop()
        .bytes();
    // func(*args) with a SAFE func the direct call rule would refuse: bytearray(10**10)
    const bomb = wrap(
      (b) => b.global("__builtin__", "bytearray"),
      (b) => b.long1(10n ** 10n).tuple1(),
    );
    expect(verdictOf(analyzePickle(bomb, plain))).toBe("dangerous");
    // func is the result of another call: the getattr(…)(…) gadget, one level removed
    const chained = wrap(
      (b) => b.global("numpy", "dtype").binunicode("f4").newFalse().newTrue().tuple3().reduce(),
      (b) => b.emptyTuple(),
    );
    const a = analyzePickle(chained, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.findings.some((f) => f.message.includes("call chaining"))).toBe(true);
  });

  it("copyreg._reconstructor calls base(state): a SAFE base under its call rule, and never a call result", () => {
    const make = (base: (b: PickleBuilder) => PickleBuilder, state: (b: PickleBuilder) => PickleBuilder) =>
      state(base(new PickleBuilder().proto(2).global("copy_reg", "_reconstructor").global("__builtin__", "object")))
        .tuple3()
        .reduce()
        .stop()
        .bytes();
    const bomb = make(
      (b) => b.global("__builtin__", "bytearray"),
      (b) => b.long1(10n ** 10n),
    );
    expect(verdictOf(analyzePickle(bomb, plain))).toBe("dangerous");
    const plainObject = make(
      (b) => b.global("__builtin__", "object"),
      (b) => b.none(),
    );
    expect(verdictOf(analyzePickle(plainObject, plain))).toBe("suspicious");
  });

  it("wrappers nested 100k deep are judged without recursion, and nesting them is a violation", () => {
    const b = new PickleBuilder()
      .proto(2)
      .global("torch._tensor", "_rebuild_from_type_v2")
      .binput(0)
      .pop()
      .global("torch", "Tensor")
      .binput(1)
      .pop()
      .emptyTuple()
      .binput(2)
      .pop();
    // _rebuild_from_type_v2(_rebuild_from_type_v2, Tensor, (_rebuild_from_type_v2, Tensor, (…), {}), {}), built inside
    // out through memo slot 2 so that no MARK stays open; one REDUCE at the end
    for (let i = 0; i < 100_000; i++) b.mark().binget(0).binget(1).binget(2).emptyDict().tuple().binput(2).pop();
    const a = analyzePickle(b.binget(0).binget(2).reduce().stop().bytes(), plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.findings.some((f) => f.message.includes("called by another wrapper"))).toBe(true);
  });

  it("bytearray(str, encoding) is SAFE only with the protocol-2 pickler's latin-1 (any codec is looked up)", () => {
    const make = (encoding: string) =>
      new PickleBuilder()
        .proto(2)
        .global("__builtin__", "bytearray")
        .binunicode("abc")
        .binunicode(encoding)
        .tuple2()
        .reduce()
        .stop()
        .bytes();
    expect(verdictOf(analyzePickle(make("latin-1"), plain))).toBe("safe");
    expect(verdictOf(analyzePickle(make("rot13"), plain))).toBe("dangerous");
  });

  it("malformed and mapped names: \\r, lookalikes, empty parts, dunders, Python 2 pairs mapping into danger", () => {
    const cases: [string, string, number, string][] = [
      // Names no module has make find_class raise: nothing is imported and the load stops (suspicious).
      ["posix\r", "system", 2, "suspicious"],
      ["pos\u0456x", "system", 2, "suspicious"],
      ["torch..utils", "x", 2, "suspicious"],
      ["torch._utils", "", 2, "suspicious"],
      ["torch.__init__", "load", 4, "dangerous"],
      ["__builtin__", "reduce", 2, "dangerous"],
      ["__builtin__", "intern", 2, "dangerous"],
      ["_socket", "fromfd", 2, "dangerous"],
      ["exceptions", "SystemExit", 2, "dangerous"],
      ["copy_reg", "_reconstructor", 2, "suspicious"],
      ["UserList", "UserList", 2, "suspicious"],
      ["commands", "getoutput", 2, "dangerous"],
      ["__builtin__", "set", 2, "safe"],
      ["__builtin__", "set", 4, "safe"],
      ["copy_reg", "_reconstructor", 4, "suspicious"],
    ];
    for (const [module, name, proto, expected] of cases) {
      const bytes = new PickleBuilder().proto(proto).global(module, name).stop().bytes();
      const verdict = verdictOf(analyzePickle(bytes, plain));
      // A bare global as the root is never what torch writes, but the import alone decides these.
      expect(verdict, `${JSON.stringify(module)} ${JSON.stringify(name)} proto ${proto}`).toBe(expected);
    }
  });

  it("opcodes that reach code outside the grammar are dangerous wherever they appear", () => {
    const streams = [
      new PickleBuilder().proto(2).ext1(1).stop(),
      new PickleBuilder().proto(2).none().proto(2).stop(),
      new PickleBuilder().proto(4).frame(10).none().frame(0).stop(),
      new PickleBuilder().proto(4).frame(1).raw([0x8c, 0x01, 0x61]).stop(),
      new PickleBuilder().proto(1).mark().global("collections", "OrderedDict").obj().stop(),
      new PickleBuilder().mark().inst("collections", "OrderedDict").stop(),
    ];
    for (const b of streams) expect(verdictOf(analyzePickle(b.bytes(), plain))).toBe("dangerous");
  });

  it("BUILD and SETITEMS on values created by SAFE callables: dangerous where a method of theirs would run", () => {
    const dangerous = [
      (b: PickleBuilder) => b.global("torch", "FloatStorage").emptyDict().build(),
      (b: PickleBuilder) => b.global("__builtin__", "complex").binint1(1).tuple1().reduce().none().append(),
    ];
    for (const build of dangerous)
      expect(verdictOf(analyzePickle(build(new PickleBuilder().proto(2)).stop().bytes(), plain))).toBe("dangerous");
    // A set or bytes has no __dict__ and no item assignment, an OrderedDict state must be a dict: CPython raises.
    const refused = [
      (b: PickleBuilder) => b.global("__builtin__", "set").emptyTuple().reduce().emptyDict().build(),
      (b: PickleBuilder) => b.global("collections", "OrderedDict").emptyTuple().reduce().emptyList().build(),
      (b: PickleBuilder) =>
        b
          .global("_codecs", "encode")
          .binunicode("a")
          .binunicode("latin1")
          .tuple2()
          .reduce()
          .binunicode("k")
          .none()
          .setitem(),
    ];
    for (const build of refused) {
      const a = analyzePickle(build(new PickleBuilder().proto(2)).none().stop().bytes(), plain);
      expect(verdictOf(a)).toBe("suspicious");
      expect(a.end).toBeNull();
    }
  });

  it("a _rebuild_parameter wrapping a call result, or a metadata dict holding one, is not a tensor", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .global("torch._utils", "_rebuild_parameter")
      .global("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .newFalse()
      .global("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .tuple3()
      .reduce()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(bytes, zip))).toBe("dangerous");
  });
});

describe("red team: resource bounds", () => {
  it("a million-deep nested tuple is listed in bounded memory and time", () => {
    const b = new PickleBuilder().proto(2).none();
    for (let i = 0; i < 1_000_000; i++) b.tuple1();
    const a = analyzePickle(b.stop().bytes(), plain);
    expect(a.end).not.toBeNull();
    expect(verdictOf(a)).toBe("suspicious");
    expect(codes(a)).toEqual(["invalid"]);
  });

  it("a tensor below a deep chain of dicts is still listed when the chain is of real depth", () => {
    let spec: Parameters<typeof torchPickle>[0] = { tensor: { shape: [2] } };
    for (let i = 0; i < 20; i++) spec = { dict: [[`k${i}`, spec]] };
    const a = analyzePickle(torchPickle(spec, { persistentIds: "zip" }).bytes, zip);
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors[0]?.path).toHaveLength(20);
  });
});

describe("red team (2): text operands end where CPython's C parsers end", () => {
  it("an INT/LONG/FLOAT/GET operand ends at a NUL, as strtol and PyLong_FromString read it; the stream goes on", () => {
    const payloadAfter = (b: PickleBuilder) =>
      b.global("posix", "system").binunicode("echo harmless").tuple1().reduce().stop().bytes();
    for (const op of ["I", "L", "F"]) {
      const bytes = payloadAfter(textOp(new PickleBuilder(), op, [0x35, 0x00, 0x7a]).pop());
      const a = analyzePickle(bytes, plain);
      expect(verdictOf(a), op).toBe("dangerous");
      expect(a.imports.map((i) => i.resolved)).toEqual(["posix.system"]);
    }
    const benign = textOp(new PickleBuilder(), "I", [0x37, 0x00, 0x7a]).stop().bytes();
    const a = analyzePickle(benign, plain);
    expect(a.end).toBe(benign.length);
    expect(a.values[""]).toBe(7);
  });
});

describe("red team (3): BINUNICODE is decoded with surrogatepass, as CPython does", () => {
  it("a lone surrogate does not end the interpretation before a payload", () => {
    const surrogate = new PickleBuilder().proto(4).raw([0x8c, 0x03, 0xed, 0xa0, 0x80]).pop();
    const hidden = bytearrayBomb(surrogate).none().stop().bytes();
    expect(verdictOf(analyzePickle(hidden, plain))).toBe("dangerous");
    const benign = new PickleBuilder().proto(4).raw([0x8c, 0x03, 0xed, 0xb0, 0x80]).stop().bytes();
    expect(analyzePickle(benign, plain).end).toBe(benign.length);
    // Bytes that are not UTF-8 even with surrogatepass still stop it, as they stop CPython.
    expect(analyzePickle(new PickleBuilder().proto(4).raw([0x8c, 0x01, 0xff]).stop().bytes(), plain).end).toBeNull();
  });
});

describe("red team (4): PERSID", () => {
  it("a text persistent id stops every loader but the tar one (CPython raises): suspicious, not dangerous", () => {
    const bytes = new PickleBuilder().proto(2).persid("0").stop().bytes();
    for (const mode of ["none", "zip", "legacy"] as const) {
      const a = analyzePickle(bytes, { persistentIds: mode });
      expect(verdictOf(a), mode).toBe("suspicious");
      expect(a.end).toBeNull();
    }
    expect(analyzePickle(bytes, { persistentIds: "tar" }).end).toBe(bytes.length);
  });
});
