import { describe, expect, it } from "vitest";
import { PickleBuilder } from "../../fixtures/pickle-builder.js";
import type { Verdict } from "../../src/model/verdict.js";
import { type AnalyzeOptions, analyzePickle, type PickleAnalysis } from "../../src/pickle/analyze.js";
import { checkSafeBuild } from "../../src/pickle/call-rules.js";
import { verdictOf } from "./verdict.js";

/**
 * The call rules one case at a time: what a REDUCE or BUILD of a SAFE global may look like. Each stream is what
 * torch.save writes, or what an attacker writes to get a call or a state past a rule (safe → a rule let it through;
 * dangerous → a rule refused it; suspicious → CPython would refuse it, or torch would, with nothing run).
 */

const zip: AnalyzeOptions = { persistentIds: "zip" };

/** Writes one value onto the stack. */
type Op = (b: PickleBuilder) => PickleBuilder;

const int: (n: number | bigint) => Op = (n) => (b) => b.int(n);
const float: (n: number) => Op = (n) => (b) => b.binfloat(n);
const str: (s: string) => Op = (s) => (b) => b.binunicode(s);
const bool: (v: boolean) => Op = (v) => (b) => b.bool(v);
const none: Op = (b) => b.none();
const global: (module: string, name: string) => Op = (module, name) => (b) => b.global(module, name);
const items = (b: PickleBuilder, ops: readonly Op[]): PickleBuilder => ops.reduce((acc, op) => op(acc), b.mark());
const tuple: (...ops: Op[]) => Op =
  (...ops) =>
  (b) =>
    items(b, ops).tuple();
/** Lists and dicts as the pickler writes them: EMPTY_LIST/EMPTY_DICT, then MARK … APPENDS/SETITEMS. */
const list: (...ops: Op[]) => Op =
  (...ops) =>
  (b) =>
    ops.length ? items(b.emptyList(), ops).appends() : b.emptyList();
/** A plain dict of [key, value] pairs. */
const dict: (...pairs: [Op, Op][]) => Op =
  (...pairs) =>
  (b) =>
    pairs.length ? items(b.emptyDict(), pairs.flat()).setitems() : b.emptyDict();
/** `module.name(*args)`: GLOBAL, the argument tuple, REDUCE. */
const call: (module: string, name: string, ...args: Op[]) => Op =
  (module, name, ...args) =>
  (b) =>
    tuple(...args)(b.global(module, name)).reduce();
/** Protocol 2 has no bytes opcode: the pickler writes `_codecs.encode(latin1_text, 'latin1')`. */
const bytes = (data: readonly number[]): Op =>
  call("_codecs", "encode", str(String.fromCharCode(...data)), str("latin1"));
const orderedDict: Op = (b) => b.global("collections", "OrderedDict").emptyTuple().reduce();
/** BUILD of `state` on `target`. */
const build: (target: Op, state: Op) => Op = (target, state) => (b) => state(target(b)).build();

/** A zip persistent id: `('storage', torch.<cls>, key, 'cpu', numel)`. */
const storage: (cls: string, numel: number, key?: string) => Op =
  (cls, numel, key = "0") =>
  (b) =>
    tuple(str("storage"), global("torch", cls), str(key), str("cpu"), int(numel))(b).binpersid();

interface RebuildSpec {
  fn?: "_rebuild_tensor" | "_rebuild_tensor_v2" | "_rebuild_tensor_v3";
  storage?: Op;
  offset?: Op;
  shape?: Op;
  stride?: Op;
  /** Arguments after the stride, replacing `(False, OrderedDict())`; `_rebuild_tensor` has none. */
  rest?: Op[];
}

const ints = (values: readonly (number | bigint)[]): Op => tuple(...values.map(int));

/** `_rebuild_tensor_v2(HalfStorage of 6, 0, (2, 3), (3, 1), False, OrderedDict())`, one part at a time replaced. */
function rebuild(spec: RebuildSpec = {}): Op {
  const fn = spec.fn ?? "_rebuild_tensor_v2";
  const defaults = fn === "_rebuild_tensor" ? [] : [bool(false), orderedDict];
  return call(
    "torch._utils",
    fn,
    spec.storage ?? storage("HalfStorage", 6),
    spec.offset ?? int(0),
    spec.shape ?? ints([2, 3]),
    spec.stride ?? ints([3, 1]),
    ...(spec.rest ?? defaults),
  );
}

/** `_rebuild_tensor_v3` of `shape` (contiguous) on an UntypedStorage of `byteSize` bytes, as `torch.<dtype>`. */
const rebuildV3 = (dtype: string, shape: number[], byteSize: number, key = "0"): Op =>
  rebuild({
    fn: "_rebuild_tensor_v3",
    storage: storage("UntypedStorage", byteSize, key),
    shape: ints(shape),
    stride: ints(shape.map((_, i) => shape.slice(i + 1).reduce((a, d) => a * d, 1))),
    rest: [bool(false), orderedDict, global("torch", dtype)],
  });

function analyze(root: Op): PickleAnalysis {
  return analyzePickle(root(new PickleBuilder().proto(2)).stop().bytes(), zip);
}

/** [what the stream is, the stream, its verdict, a phrase the finding that decides it must hold]. */
type Case = readonly [label: string, root: Op, verdict: Verdict, phrase?: string];

function expectCases(cases: readonly Case[]): void {
  for (const [label, root, verdict, phrase] of cases) {
    const a = analyze(root);
    expect(verdictOf(a), `${label}: ${JSON.stringify(a.findings)}`).toBe(verdict);
    if (verdict === "safe") expect(a.findings, label).toEqual([]);
    if (phrase) {
      const deciding = a.findings.filter((f) => f.severity === verdict).map((f) => f.message);
      expect(deciding, label).toContainEqual(expect.stringContaining(phrase));
    }
  }
}

const MAX_SAFE = 2n ** 53n - 1n;
const RANK = "storage offset, size and stride must be non-negative ints of equal rank";

describe("call rules: tensor rebuilds", () => {
  it("torch.save's own tensors are safe, with the dtype and shape they declare", () => {
    expectCases([
      ["v2", rebuild(), "safe"],
      ["v1 (storage, offset, size, stride)", rebuild({ fn: "_rebuild_tensor" }), "safe"],
      ["v2 with its metadata dict", rebuild({ rest: [bool(false), orderedDict, dict()] }), "safe"],
      ["v3 float16", rebuildV3("float16", [3], 6), "safe"],
      [
        "v3 with its metadata dict",
        rebuild({
          fn: "_rebuild_tensor_v3",
          storage: storage("UntypedStorage", 12),
          rest: [bool(false), orderedDict, global("torch", "float16"), dict()],
        }),
        "safe",
      ],
      ["a size-1 dimension of stride 2^53-1", rebuild({ shape: ints([1]), stride: ints([MAX_SAFE]) }), "safe"],
      ["an expanded tensor (stride 0)", rebuild({ storage: storage("HalfStorage", 1), stride: ints([0, 0]) }), "safe"],
      [
        "an empty tensor",
        rebuild({ storage: storage("HalfStorage", 0), shape: ints([0, 4]), stride: ints([4, 1]) }),
        "safe",
      ],
      [
        "an empty tensor at an offset past its storage (torch checks no bounds for zero elements)",
        rebuild({ storage: storage("HalfStorage", 2), offset: int(5), shape: ints([0]), stride: ints([1]) }),
        "safe",
      ],
      [
        "all 2^53 - 1 bytes of a storage",
        rebuild({ storage: storage("ByteStorage", Number(MAX_SAFE)), shape: ints([MAX_SAFE]), stride: ints([1]) }),
        "safe",
      ],
      [
        "an empty tensor at offset 2^53-1",
        rebuild({ offset: int(MAX_SAFE), shape: ints([0]), stride: ints([1]) }),
        "safe",
      ],
    ]);
    const a = analyze(rebuild());
    expect(a.tensors).toMatchObject([{ dtype: "F16", shape: [2, 3], storageOffset: 0 }]);
  });

  it("a rebuild with the wrong arity or argument kinds is dangerous, and says which", () => {
    expectCases([
      [
        "v2 with 5 arguments",
        rebuild({ rest: [bool(false)] }),
        "dangerous",
        "_rebuild_tensor_v2 takes 6 or 7 arguments, got 5",
      ],
      ["v2 with 8 arguments", rebuild({ rest: [bool(false), orderedDict, dict(), none] }), "dangerous", "got 8"],
      [
        "v1 with 6 arguments",
        rebuild({ fn: "_rebuild_tensor", rest: [bool(false), orderedDict] }),
        "dangerous",
        "_rebuild_tensor takes 4 arguments, got 6",
      ],
      [
        "v3 with 6 arguments",
        rebuild({ fn: "_rebuild_tensor_v3" }),
        "dangerous",
        "_rebuild_tensor_v3 takes 7 or 8 arguments, got 6",
      ],
      [
        "an int for the storage",
        rebuild({ storage: int(0) }),
        "dangerous",
        "_rebuild_tensor_v2: first argument is a int, not a persistent-id storage",
      ],
      ["a list for the size", rebuild({ shape: list(int(2), int(3)) }), "dangerous", RANK],
      ["a float in the size", rebuild({ shape: tuple(int(2), float(3)) }), "dangerous", RANK],
      ["a negative size", rebuild({ shape: ints([2, -3]) }), "dangerous", RANK],
      ["a stride of 2^53", rebuild({ shape: ints([1]), stride: ints([MAX_SAFE + 1n]) }), "dangerous", RANK],
      ["a stride of another rank", rebuild({ stride: ints([1]) }), "dangerous", RANK],
      ["a list for the stride", rebuild({ stride: list(int(3), int(1)) }), "dangerous", RANK],
      ["a float offset", rebuild({ offset: float(0) }), "dangerous", RANK],
      ["a negative offset", rebuild({ offset: int(-1) }), "dangerous", RANK],
      [
        "an offset of 2^53",
        rebuild({ offset: int(MAX_SAFE + 1n), shape: ints([0]), stride: ints([1]) }),
        "dangerous",
        RANK,
      ],
      [
        "an int requires_grad",
        rebuild({ rest: [int(0), orderedDict] }),
        "dangerous",
        "requires_grad must be a bool and backward_hooks an OrderedDict",
      ],
      ["None for backward_hooks", rebuild({ rest: [bool(false), none] }), "dangerous", "requires_grad must be a bool"],
      [
        "an int for v2's metadata",
        rebuild({ rest: [bool(false), orderedDict, int(1)] }),
        "dangerous",
        "_rebuild_tensor_v2: metadata must be a dict",
      ],
    ]);
  });

  it("_rebuild_tensor_v3 takes a torch dtype and an UntypedStorage only", () => {
    const v3 = (dtype: Op, storageOp = storage("UntypedStorage", 12), extra: Op[] = []) =>
      rebuild({ fn: "_rebuild_tensor_v3", storage: storageOp, rest: [bool(false), orderedDict, dtype, ...extra] });
    expectCases([
      // numpy.float64 is a KNOWN import whose name after its 6-character module is a torch dtype's.
      [
        "a numpy scalar type for the dtype",
        v3(global("numpy", "float64")),
        "dangerous",
        "_rebuild_tensor_v3: dtype argument is not a torch dtype",
      ],
      ["a str for the dtype", v3(str("float16")), "dangerous", "dtype argument is not a torch dtype"],
      [
        "a storage class for the dtype",
        v3(global("torch", "HalfStorage")),
        "dangerous",
        "dtype argument is not a torch dtype",
      ],
      [
        "a typed storage",
        v3(global("torch", "float16"), storage("HalfStorage", 6)),
        "dangerous",
        "_rebuild_tensor_v3: storage is a HalfStorage, not an UntypedStorage",
      ],
      [
        "an int for v3's metadata",
        v3(global("torch", "float16"), undefined, [int(1)]),
        "dangerous",
        "_rebuild_tensor_v3: metadata must be a dict",
      ],
    ]);
  });

  it("a tensor that reaches past its storage is noted (torch refuses it), whatever the arithmetic takes", () => {
    const past = "reaches past storage 0 (torch refuses to load it)";
    expectCases([
      [
        "a [2, 3] tensor on 5 elements",
        rebuild({ storage: storage("HalfStorage", 5) }),
        "suspicious",
        `tensor of shape [2, 3] ${past}`,
      ],
      [
        "every other element of 5, five times",
        rebuild({ storage: storage("HalfStorage", 5), shape: ints([5]), stride: ints([2]) }),
        "suspicious",
        past,
      ],
      ["three uint16 in 5 bytes (2 whole elements)", rebuildV3("uint16", [3], 5), "suspicious", past],
      ["a stride sum beyond 2^53", rebuild({ shape: ints([3]), stride: ints([2n ** 52n]) }), "suspicious", past],
      [
        "an offset at the storage's end",
        rebuild({ storage: storage("HalfStorage", 6), offset: int(1) }),
        "suspicious",
        past,
      ],
      [
        "v2 on an UntypedStorage",
        rebuild({ storage: storage("UntypedStorage", 12) }),
        "suspicious",
        "_rebuild_tensor_v2 on an UntypedStorage (torch writes those only with _rebuild_tensor_v3)",
      ],
    ]);
  });

  it("the first v3 view of an UntypedStorage names its dtype; later views keep theirs", () => {
    const a = analyze(dict([str("a"), rebuildV3("float16", [2], 8)], [str("b"), rebuildV3("bfloat16", [4], 8)]));
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors.map((t) => [t.name, t.dtype])).toEqual([
      ["a", "F16"],
      ["b", "BF16"],
    ]);
    expect(a.storages).toMatchObject([{ key: "0", storageClass: "UntypedStorage", dtype: "F16", byteSize: 8 }]);
  });
});

describe("call rules: parameters", () => {
  const param = (...args: Op[]) => call("torch._utils", "_rebuild_parameter", ...args);
  const withState = (...args: Op[]) => call("torch._utils", "_rebuild_parameter_with_state", ...args);
  it("nn.Parameter as torch.save writes it is safe; any other shape of call is dangerous", () => {
    expectCases([
      ["_rebuild_parameter", param(rebuild(), bool(true), orderedDict), "safe"],
      ["with an empty state dict", withState(rebuild(), bool(true), orderedDict, dict()), "safe"],
      ["with None for the state", withState(rebuild(), bool(true), orderedDict, none), "safe"],
      ["with a (dict, slots) state", withState(rebuild(), bool(true), orderedDict, tuple(dict(), dict())), "safe"],
      [
        "4 arguments",
        param(rebuild(), bool(true), orderedDict, dict()),
        "dangerous",
        "_rebuild_parameter takes 3 arguments, got 4",
      ],
      [
        "3 arguments with state",
        withState(rebuild(), bool(true), orderedDict),
        "dangerous",
        "_rebuild_parameter_with_state takes 4 arguments, got 3",
      ],
      [
        "an int requires_grad",
        param(rebuild(), int(1), orderedDict),
        "dangerous",
        "_rebuild_parameter: expects (tensor, bool, OrderedDict)",
      ],
      ["None for the hooks", param(rebuild(), bool(true), none), "dangerous", "expects (tensor, bool, OrderedDict)"],
      [
        "an int requires_grad, with state",
        withState(rebuild(), int(1), orderedDict, none),
        "dangerous",
        "_rebuild_parameter_with_state: expects (tensor, bool, OrderedDict, state)",
      ],
      [
        "an int for the state",
        withState(rebuild(), bool(true), orderedDict, int(1)),
        "dangerous",
        "_rebuild_parameter_with_state: state must be a dict",
      ],
    ]);
    expect(analyze(param(rebuild(), bool(true), orderedDict)).tensors).toMatchObject([{ shape: [2, 3] }]);
  });
});

describe("call rules: the small builtins protocol 2 writes", () => {
  it("OrderedDict, torch.Size and _codecs.encode take only what torch.save and the pickler pass", () => {
    expectCases([
      [
        "OrderedDict(list)",
        call("collections", "OrderedDict", list()),
        "dangerous",
        "OrderedDict is called with arguments",
      ],
      ["torch.Size((2, 3))", call("torch", "Size", ints([2, 3])), "safe"],
      ["torch.Size([2])", call("torch", "Size", list(int(2))), "dangerous", "torch.Size expects one tuple of ints"],
      ["torch.Size((-1,))", call("torch", "Size", ints([-1])), "dangerous", "torch.Size expects one tuple of ints"],
      ["torch.Size()", call("torch", "Size"), "dangerous", "torch.Size expects one tuple of ints"],
      ["torch.Size((1,), (2,))", call("torch", "Size", ints([1]), ints([2])), "dangerous", "torch.Size"],
      ["encode('ab', 'latin1')", call("_codecs", "encode", str("ab\u00ff"), str("latin1")), "safe"],
      ["encode('ab')", call("_codecs", "encode", str("ab")), "dangerous", "_codecs.encode expects (str, 'latin1')"],
      [
        "encode('ab', 'latin1', 'strict')",
        call("_codecs", "encode", str("ab"), str("latin1"), str("strict")),
        "dangerous",
        "_codecs.encode expects (str, 'latin1')",
      ],
      ["encode(1, 'latin1')", call("_codecs", "encode", int(1), str("latin1")), "dangerous", "_codecs.encode expects"],
      ["encode('ab', 1)", call("_codecs", "encode", str("ab"), int(1)), "dangerous", "_codecs.encode expects"],
      [
        "encode of text above U+00FF",
        call("_codecs", "encode", str("a\u0101"), str("latin1")),
        "dangerous",
        "_codecs.encode of text that is not latin-1",
      ],
    ]);
    expect(analyze(call("torch", "Size", ints([2, 3]))).values).toEqual({ "": [2, 3] });
  });

  it("set and frozenset take one list, tuple or set; only a frozenset is hashable", () => {
    const set = (...args: Op[]) => call("__builtin__", "set", ...args);
    const frozen = (...args: Op[]) => call("__builtin__", "frozenset", ...args);
    const asKey = (key: Op) => dict([key, int(1)]);
    expectCases([
      ["set()", set(), "safe"],
      ["set([1])", set(list(int(1))), "safe"],
      ["set(set())", set(set()), "safe"],
      ["frozenset((1,))", frozen(ints([1])), "safe"],
      ["set(5)", set(int(5)), "dangerous", "builtins.set expects one list"],
      ["set([1], [2])", set(list(int(1)), list(int(2))), "dangerous", "builtins.set expects one list"],
      ["frozenset(5)", frozen(int(5)), "dangerous", "builtins.frozenset expects one list"],
      ["a frozenset() key", asKey(frozen()), "safe"],
      ["a frozenset(['a']) key", asKey(frozen(list(str("a")))), "safe"],
      // CPython raises TypeError: unhashable type: 'set'.
      ["a set() key", asKey(set()), "suspicious", "unhashable dict key (set)"],
      ["a set(['a']) key", asKey(set(list(str("a")))), "suspicious", "unhashable dict key (set)"],
    ]);
  });

  it("complex and bytearray take numbers, bytes or latin-1 text only (an int would allocate, a codec be looked up)", () => {
    const complex = (...args: Op[]) => call("__builtin__", "complex", ...args);
    const bytearray = (...args: Op[]) => call("__builtin__", "bytearray", ...args);
    const BYTEARRAY = "bytearray expects bytes or (latin-1 text, 'latin-1')";
    expectCases([
      ["complex()", complex(), "safe"],
      ["complex(1)", complex(int(1)), "safe"],
      ["complex(1.5)", complex(float(1.5)), "safe"],
      ["complex(1, 2.5)", complex(int(1), float(2.5)), "safe"],
      ["complex(1.5, 2)", complex(float(1.5), int(2)), "safe"],
      ["complex(1, 2, 3)", complex(int(1), int(2), int(3)), "dangerous", "complex expects up to two numbers"],
      ["complex('1j')", complex(str("1j")), "dangerous", "complex expects up to two numbers"],
      ["complex(1, '2')", complex(int(1), str("2")), "dangerous", "complex expects up to two numbers"],
      ["bytearray()", bytearray(), "safe"],
      ["bytearray(b'ab')", bytearray(bytes([0x61, 0x62])), "safe"],
      ["bytearray('ab', 'latin-1')", bytearray(str("a\u00ff"), str("latin-1")), "safe"],
      ["bytearray('ab')", bytearray(str("ab")), "dangerous", BYTEARRAY],
      ["bytearray(10)", bytearray(int(10)), "dangerous", BYTEARRAY],
      ["bytearray(b'ab', 'latin-1')", bytearray(bytes([0x61]), str("latin-1")), "dangerous", BYTEARRAY],
      ["bytearray('ab', 1)", bytearray(str("ab"), int(1)), "dangerous", BYTEARRAY],
      ["bytearray(text above U+00FF, 'latin-1')", bytearray(str("\u0101"), str("latin-1")), "dangerous", BYTEARRAY],
      [
        "bytearray('ab', 'latin-1', 'strict')",
        bytearray(str("ab"), str("latin-1"), str("strict")),
        "dangerous",
        BYTEARRAY,
      ],
      [
        "a SAFE class without a call rule",
        call("numpy", "ndarray"),
        "dangerous",
        "numpy.ndarray is never called by torch.save",
      ],
    ]);
  });

  it("what a SAFE call returns is never called in turn, nor given state (call chaining)", () => {
    const callAgain =
      (result: Op): Op =>
      (b) =>
        result(b).emptyTuple().reduce();
    const dtype = call("numpy", "dtype", str("f4"));
    const reconstruct = call(
      "numpy.core.multiarray",
      "_reconstruct",
      global("numpy", "ndarray"),
      ints([0]),
      bytes([0x62]),
    );
    const scalar = call("numpy.core.multiarray", "scalar", dtype, bytes([0, 0, 0, 0]));
    const results: [string, Op][] = [
      ["builtins.complex", call("__builtin__", "complex", int(1))],
      ["builtins.bytearray", call("__builtin__", "bytearray")],
      ["numpy.dtype", dtype],
      ["numpy.core.multiarray._reconstruct", reconstruct],
      ["numpy.core.multiarray.scalar", scalar],
    ];
    expectCases(
      results.map(([name, result]) => [
        `${name}(…)()`,
        callAgain(result),
        "dangerous",
        `REDUCE calls a ${name}(…) result`,
      ]),
    );
    const dtypeState = tuple(int(3), str("<"), none, none, none, int(-1), int(-1), int(0));
    expectCases([
      [
        "BUILD of a dtype's state on complex(1)",
        build(results[0]![1], dtypeState),
        "dangerous",
        "BUILD on a builtins.complex result",
      ],
      [
        "BUILD on bytearray()",
        build(results[1]![1], tuple(int(1), ints([]), dtype, bool(false), bytes([]))),
        "dangerous",
        "BUILD on a builtins.bytearray result",
      ],
      [
        "BUILD of an ndarray's state on a scalar",
        build(scalar, tuple(int(1), ints([]), dtype, bool(false), bytes([]))),
        "dangerous",
        "BUILD on a numpy.core.multiarray.scalar result",
      ],
    ]);
  });
});

/** numpy's dtype `__reduce__` state (version 3): `(3, endian, subarray, names, fields, elsize, alignment, flags)`. */
const dtypeState = (endian: Op, extra: Op[] = []): Op =>
  tuple(int(3), endian, none, none, none, int(-1), int(-1), int(0), ...extra);
/** `numpy.dtype(code, False, True)`, then the BUILD of its state when an endian is given. */
const npDtype = (code: string, endian?: Op): Op => {
  const made = call("numpy", "dtype", str(code), bool(false), bool(true));
  return endian ? build(made, dtypeState(endian)) : made;
};
const npScalar = (dtype: Op, payload: Op, module = "numpy.core.multiarray"): Op =>
  call(module, "scalar", dtype, payload);
const le = (size: number, write: (view: DataView) => void): number[] => {
  const view = new DataView(new ArrayBuffer(size));
  write(view);
  return [...new Uint8Array(view.buffer)];
};
const i64 = (v: bigint) => le(8, (d) => d.setBigInt64(0, v, true));

describe("call rules: numpy", () => {
  it("a numpy scalar's value is read from its little-endian bytes, by its dtype code", () => {
    const cases: [code: string, endian: string | null, data: number[], value: unknown][] = [
      ["i1", "|", [0xff], -1],
      ["u1", "|", [0xff], 255],
      ["b1", "|", [2], true],
      ["b1", "|", [0], false],
      ["i2", "<", [0xfe, 0xff], -2],
      ["u2", "<", [0xfe, 0xff], 65534],
      ["i4", "<", [0xfe, 0xff, 0xff, 0xff], -2],
      ["u4", "<", [0xfe, 0xff, 0xff, 0xff], 4294967294],
      ["i4", "=", [0xfe, 0xff, 0xff, 0xff], -2],
      ["i4", null, [0xfe, 0xff, 0xff, 0xff], -2],
      ["i8", "<", i64(MAX_SAFE), 9007199254740991],
      ["i8", "<", i64(MAX_SAFE + 1n), "9007199254740992"],
      ["i8", "<", i64(-MAX_SAFE), -9007199254740991],
      ["i8", "<", i64(-MAX_SAFE - 1n), "-9007199254740992"],
      ["u8", "<", i64(-1n), "18446744073709551615"],
      ["u8", "<", i64(5n), 5],
      ["f4", "<", le(4, (d) => d.setFloat32(0, 1.5, true)), 1.5],
      ["f8", "<", le(8, (d) => d.setFloat64(0, 0.1, true)), 0.1],
      // Big-endian, a payload of the wrong size, a code without a reader and one with a byte order inside it: the value is not guessed.
      ["i4", ">", [0, 0, 0, 1], undefined],
      ["i8", "<", [1, 0, 0, 0], undefined],
      ["f2", "<", [0, 0x3c], undefined],
      ["i|1", null, [0xff], undefined],
    ];
    for (const [code, endian, data, value] of cases) {
      const label = `${endian ?? ""}${code} ${JSON.stringify(data)}`;
      const a = analyze(
        dict([str("v"), npScalar(npDtype(code, endian === null ? undefined : str(endian)), bytes(data))]),
      );
      expect(verdictOf(a), label).toBe("safe");
      expect(a.values.v, label).toEqual(value);
    }
    // A py2-era payload is a latin-1 str; a str no bytes can encode is no value (and no call).
    const latin1Payload = analyze(dict([str("v"), npScalar(npDtype("i2", str("<")), str("\u00fe\u00ff"))]));
    expect(latin1Payload.values.v).toBe(-2);
    const widePayload = analyze(dict([str("v"), npScalar(npDtype("i2", str("<")), str("\u0101\u00ff"))]));
    expect([verdictOf(widePayload), widePayload.values.v]).toEqual(["safe", undefined]);
    // No endian in the state: the code is read as written.
    const noEndian = analyze(
      dict([str("v"), npScalar(build(call("numpy", "dtype", str("i2")), dtypeState(none)), bytes([2, 0]))]),
    );
    expect(noEndian.values.v).toBe(2);
    const newModule = analyze(
      dict([str("v"), npScalar(npDtype("i2", str("<")), bytes([3, 0]), "numpy._core.multiarray")]),
    );
    expect(newModule.values.v).toBe(3);
  });

  it("numpy.scalar, numpy.dtype and _reconstruct take only what numpy's __reduce__ writes", () => {
    const SCALAR = "numpy.core.multiarray.scalar: expects (numpy.dtype, bytes)";
    const DTYPE = "numpy.dtype expects (str, bool, bool)";
    const RECONSTRUCT = "numpy.core.multiarray._reconstruct expects (numpy.ndarray, tuple, bytes)";
    const reconstruct = (module: string, ...args: Op[]) => call(module, "_reconstruct", ...args);
    const ndarray = global("numpy", "ndarray");
    const arrayState = tuple(int(1), ints([2]), npDtype("i2", str("<")), bool(false), bytes([1, 0, 2, 0]));
    expectCases([
      ["scalar of a complex", npScalar(call("__builtin__", "complex", int(1)), bytes([0])), "dangerous", SCALAR],
      ["scalar of a str dtype", npScalar(str("i1"), bytes([0])), "dangerous", SCALAR],
      [
        "scalar with 3 arguments",
        call("numpy.core.multiarray", "scalar", npDtype("i1"), bytes([0]), none),
        "dangerous",
        SCALAR,
      ],
      [
        "scalar of an int payload",
        npScalar(npDtype("i1"), int(0)),
        "dangerous",
        "numpy.core.multiarray.scalar: payload must be bytes",
      ],
      ["dtype('f4')", call("numpy", "dtype", str("f4")), "safe"],
      ["dtype('f4', False, True)", npDtype("f4"), "safe"],
      ["dtype()", call("numpy", "dtype"), "dangerous", DTYPE],
      ["dtype(5)", call("numpy", "dtype", int(5)), "dangerous", DTYPE],
      ["dtype('f4', 1)", call("numpy", "dtype", str("f4"), int(1)), "dangerous", DTYPE],
      ["dtype('f4', True, 1)", call("numpy", "dtype", str("f4"), bool(true), int(1)), "dangerous", DTYPE],
      [
        "dtype with 4 arguments",
        call("numpy", "dtype", str("f4"), bool(false), bool(true), bool(true)),
        "dangerous",
        DTYPE,
      ],
      ["dtype with a 9-item state", build(npDtype("f4"), dtypeState(str("<"), [none])), "safe"],
      [
        "dtype with a 7-item state",
        build(npDtype("f4"), tuple(int(3), str("<"), none, none, none, int(-1), int(-1))),
        "dangerous",
        "numpy.dtype state is not an 8-tuple",
      ],
      ["dtype with a dict state", build(npDtype("f4"), dict()), "dangerous", "numpy.dtype state is not an 8-tuple"],
      [
        "dtype built twice",
        build(npDtype("f4", str("<")), dtypeState(str("<"))),
        "dangerous",
        "second BUILD on one numpy.dtype result",
      ],
      [
        "an ndarray",
        build(reconstruct("numpy.core.multiarray", ndarray, ints([0]), bytes([0x62])), arrayState),
        "safe",
      ],
      [
        "an ndarray (numpy 2)",
        build(reconstruct("numpy._core.multiarray", ndarray, ints([0]), bytes([0x62])), arrayState),
        "safe",
      ],
      [
        "an ndarray with a py2 str",
        build(reconstruct("numpy.core.multiarray", ndarray, ints([0]), str("b")), arrayState),
        "safe",
      ],
      [
        "_reconstruct with 4 arguments",
        reconstruct("numpy.core.multiarray", ndarray, ints([0]), bytes([0x62]), none),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "_reconstruct with 2 arguments",
        reconstruct("numpy.core.multiarray", ndarray, ints([0])),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "_reconstruct of numpy.dtype",
        reconstruct("numpy.core.multiarray", global("numpy", "dtype"), ints([0]), bytes([0x62])),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "_reconstruct of a str",
        reconstruct("numpy.core.multiarray", str("numpy.ndarray"), ints([0]), bytes([0x62])),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "_reconstruct with a list shape",
        reconstruct("numpy.core.multiarray", ndarray, list(int(0)), bytes([0x62])),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "_reconstruct with an int dtype",
        reconstruct("numpy.core.multiarray", ndarray, ints([0]), int(0)),
        "dangerous",
        RECONSTRUCT,
      ],
      [
        "an ndarray with a 4-item state",
        build(
          reconstruct("numpy.core.multiarray", ndarray, ints([0]), bytes([0x62])),
          tuple(int(1), ints([2]), none, bool(false)),
        ),
        "dangerous",
        "ndarray state is not a 5-tuple",
      ],
      [
        "an ndarray with a dict state",
        build(reconstruct("numpy.core.multiarray", ndarray, ints([0]), bytes([0x62])), dict()),
        "dangerous",
        "ndarray state is not a 5-tuple",
      ],
      [
        "an ndarray built twice",
        build(build(reconstruct("numpy.core.multiarray", ndarray, ints([0]), bytes([0x62])), arrayState), arrayState),
        "dangerous",
        "second BUILD on one numpy.core.multiarray._reconstruct result",
      ],
    ]);
  });
});

describe("BUILD of an OrderedDict: only the _metadata torch's state_dict sets", () => {
  it("any other state sets plain attributes: suspicious, never safe", () => {
    const STATE = "OrderedDict BUILD state is not {'_metadata': …}";
    const metadata = dict([str("_metadata"), orderedDict]);
    expectCases([
      ["{'_metadata': OrderedDict()}", build(orderedDict, metadata), "safe"],
      [
        "a second BUILD",
        build(build(orderedDict, metadata), metadata),
        "suspicious",
        "second BUILD on one OrderedDict",
      ],
      ["{}", build(orderedDict, dict()), "suspicious", STATE],
      ["{'x': 1}", build(orderedDict, dict([str("x"), int(1)])), "suspicious", STATE],
      ["{1: 1}", build(orderedDict, dict([int(1), int(1)])), "suspicious", STATE],
      [
        "{'_metadata': …, 'x': 1}",
        build(orderedDict, dict([str("_metadata"), none], [str("x"), int(1)])),
        "suspicious",
        STATE,
      ],
      ["None", build(orderedDict, none), "suspicious", STATE],
      ["(dict, slots)", build(orderedDict, tuple(metadata, dict())), "suspicious", STATE],
    ]);
  });

  it("checkSafeBuild refuses targets the interpreter never hands it: plain dicts and plain values", () => {
    expect(checkSafeBuild({ k: "dict", entries: [], ordered: false, built: false }, { k: "none" })).toBe(
      "BUILD on a plain dict",
    );
    expect(checkSafeBuild({ k: "str", v: "x" }, { k: "none" })).toBe("BUILD on a str");
    expect(checkSafeBuild({ k: "object", of: null, args: [], built: false }, { k: "none" })).toBe("BUILD on a object");
  });
});

describe("BUILD of a ParameterDict: parameters and empty nn.Module bookkeeping only", () => {
  const parameterDict = (...state: [string, Op][]): Op =>
    build(
      (b) => b.global("torch.nn.modules.container", "ParameterDict").emptyTuple().newobj(),
      dict(...state.map(([k, v]) => [str(k), v] as [Op, Op])),
    );
  const tensors = dict([str("w"), rebuild()]);
  /** The dicts nn.Module.__init__ sets (torch/nn/modules/module.py), empty in a ParameterDict of parameters. */
  const BOOKKEEPING = [
    "_buffers",
    "_modules",
    "_backward_pre_hooks",
    "_backward_hooks",
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
  ];
  const NOTE = "ParameterDict state is not the attributes nn.Module writes (parameters and empty bookkeeping)";

  it("each attribute nn.Module.__init__ sets, as it sets it, is safe; anything else is noted", () => {
    expectCases([
      ["training", parameterDict(["training", bool(true)]), "safe"],
      ["_is_full_backward_hook None", parameterDict(["_is_full_backward_hook", none]), "safe"],
      ["_is_full_backward_hook False", parameterDict(["_is_full_backward_hook", bool(false)]), "safe"],
      ["_compiled_call_impl None", parameterDict(["_compiled_call_impl", none]), "safe"],
      [
        "_non_persistent_buffers_set",
        parameterDict(["_non_persistent_buffers_set", call("__builtin__", "set")]),
        "safe",
      ],
      ["_parameters", parameterDict(["_parameters", tensors]), "safe"],
      ["_keys", parameterDict(["_keys", dict([str("w"), none])]), "safe"],
      [
        "every empty bookkeeping dict of torch 1.x and 2.x",
        parameterDict(...BOOKKEEPING.map((name): [string, Op] => [name, orderedDict])),
        "safe",
      ],
      ["training 1", parameterDict(["training", int(1)]), "suspicious", NOTE],
      ["training None", parameterDict(["training", none]), "suspicious", NOTE],
      ["a good attribute, then another", parameterDict(["training", bool(true)], ["_foo", dict()]), "suspicious", NOTE],
      [
        "_parameters of a tensor and an int",
        parameterDict(["_parameters", dict([str("w"), rebuild()], [str("x"), int(1)])]),
        "suspicious",
        NOTE,
      ],
      ["_is_full_backward_hook 1", parameterDict(["_is_full_backward_hook", int(1)]), "suspicious", NOTE],
      ["_compiled_call_impl False", parameterDict(["_compiled_call_impl", bool(false)]), "suspicious", NOTE],
      [
        "_non_persistent_buffers_set {'x'}",
        parameterDict(["_non_persistent_buffers_set", call("__builtin__", "set", list(str("x")))]),
        "suspicious",
        NOTE,
      ],
      ["_non_persistent_buffers_set []", parameterDict(["_non_persistent_buffers_set", list()]), "suspicious", NOTE],
      ["_parameters of an int", parameterDict(["_parameters", dict([str("w"), int(1)])]), "suspicious", NOTE],
      ["_parameters keyed by an int", parameterDict(["_parameters", dict([int(0), rebuild()])]), "suspicious", NOTE],
      ["_parameters as a list", parameterDict(["_parameters", list()]), "suspicious", NOTE],
      ["_keys of an int", parameterDict(["_keys", dict([str("w"), int(1)])]), "suspicious", NOTE],
      ["_keys keyed by an int", parameterDict(["_keys", dict([int(0), none])]), "suspicious", NOTE],
      ["_keys as a list", parameterDict(["_keys", list()]), "suspicious", NOTE],
      ["a non-empty _buffers", parameterDict(["_buffers", dict([str("x"), int(1)])]), "suspicious", NOTE],
      ["_buffers as a list", parameterDict(["_buffers", list()]), "suspicious", NOTE],
      ["another attribute", parameterDict(["_foo", dict()]), "suspicious", NOTE],
      [
        "None for the state",
        build((b) => b.global("torch.nn.modules.container", "ParameterDict").emptyTuple().newobj(), none),
        "suspicious",
        NOTE,
      ],
      [
        "a second BUILD",
        build(parameterDict(["training", bool(true)]), dict()),
        "suspicious",
        "second BUILD on one ParameterDict",
      ],
    ]);
  });

  it("its parameters are listed in its place, found by name among the attributes", () => {
    const a = analyze(
      dict([
        str("string_to_param"),
        parameterDict(["training", bool(true)], ["_buffers", orderedDict], ["_parameters", tensors], ["_keys", dict()]),
      ]),
    );
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors.map((t) => t.name)).toEqual(["string_to_param.w"]);
  });
});
