import { describe, expect, it } from "vitest";
import { checkpointSpec, PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { type AnalyzeOptions, analyzePickle } from "../../src/pickle/analyze.js";
import { codes, verdictOf } from "./verdict.js";

const zip: AnalyzeOptions = { persistentIds: "zip" };
const plain: AnalyzeOptions = { persistentIds: "none" };

/** `module.name(arg)` as GLOBAL + TUPLE1 + REDUCE, result discarded: the classic payload prefix. */
function callPrefix(b: PickleBuilder, module: string, name: string, arg = "echo harmless"): PickleBuilder {
  return b.global(module, name).binunicode(arg).tuple1().reduce().pop();
}

/** The same call through protocol-4 STACK_GLOBAL, which also reaches dotted names. */
function stackGlobalCall(module: string, name: string): Uint8Array {
  return new PickleBuilder()
    .proto(4)
    .shortBinunicode(module)
    .shortBinunicode(name)
    .stackGlobal()
    .shortBinunicode("echo harmless")
    .tuple1()
    .reduce()
    .stop()
    .bytes();
}

function benignCheckpoint(): Uint8Array {
  return torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3] }]]), {
    persistentIds: "zip",
  }).bytes;
}

describe("adversarial pickle content", () => {
  it("a posix.system REDUCE before a working state dict is dangerous and does not hide the tensors", () => {
    for (const [module, name, resolved] of [
      ["posix", "system", "posix.system"],
      ["__builtin__", "eval", "builtins.eval"],
    ] as const) {
      const payload = callPrefix(new PickleBuilder().proto(2), module, name)
        .raw(benignCheckpoint().subarray(2))
        .bytes();
      const a = analyzePickle(payload, zip);
      expect(verdictOf(a)).toBe("dangerous");
      expect(codes(a, "dangerous")).toContain("dangerous-global");
      // Reports name the global from this field, never from the message's wording.
      expect(a.findings.find((f) => f.code === "dangerous-global")?.global).toBe(resolved);
      expect(a.imports.find((i) => i.resolved === resolved)).toMatchObject({
        module,
        name,
        verdict: "dangerous",
        offset: 2,
        count: 1,
      });
      expect(a.tensors.map((t) => t.name)).toEqual(["state_dict.model.diffusion_model.out.2.weight"]);
    }
  });

  it("protocol-4 STACK_GLOBAL + MEMOIZE inside a FRAME is dangerous", () => {
    const body = new PickleBuilder()
      .shortBinunicode("posix")
      .memoize()
      .shortBinunicode("system")
      .memoize()
      .stackGlobal()
      .memoize()
      .shortBinunicode("echo harmless")
      .memoize()
      .tuple1()
      .memoize()
      .reduce()
      .memoize()
      .stop()
      .bytes();
    const bytes = new PickleBuilder().proto(4).frame(body.length).raw(body).bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports.map((i) => i.resolved)).toEqual(["posix.system"]);
    expect(a.end).toBe(bytes.length);
  });

  it("STACK_GLOBAL operands come from the memo; decoy torch/LongStorage strings do not mislead", () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .shortBinunicode("posix")
      .binput(0)
      .pop()
      .shortBinunicode("system")
      .binput(1)
      .pop()
      .shortBinunicode("torch")
      .binput(2)
      .pop()
      .shortBinunicode("LongStorage")
      .binput(3)
      .pop()
      .binget(0)
      .binget(1)
      .stackGlobal()
      .shortBinunicode("echo harmless")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports.map((i) => i.resolved)).toEqual(["posix.system"]);
  });

  it("a STACK_GLOBAL operand surely no str stops the load (CPython raises); a memo miss is a dangerous global", () => {
    const typeConfusion = new PickleBuilder()
      .proto(4)
      .binint1(42)
      .shortBinunicode("system")
      .stackGlobal()
      .emptyTuple()
      .reduce()
      .stop()
      .bytes();
    const a = analyzePickle(typeConfusion, plain);
    expect(verdictOf(a)).toBe("suspicious");
    expect(a.end).toBeNull();
    // A call result may be a str at load time: that global is unknown, so dangerous.
    const computed = new PickleBuilder()
      .proto(4)
      .global("builtins", "str")
      .binint1(1)
      .tuple1()
      .reduce()
      .shortBinunicode("system")
      .stackGlobal()
      .emptyTuple()
      .reduce()
      .stop()
      .bytes();
    expect(codes(analyzePickle(computed, plain), "dangerous")).toContain("malformed-global");

    const keyError = new PickleBuilder()
      .proto(4)
      .binget(7)
      .shortBinunicode("system")
      .stackGlobal()
      .emptyTuple()
      .reduce()
      .stop()
      .bytes();
    const b = analyzePickle(keyError, plain);
    expect(verdictOf(b)).toBe("dangerous");
    expect(codes(b, "dangerous")).toContain("malformed-global");
    expect(b.end).toBeNull();
  });

  it("protocol-0 INST __builtin__ exec is dangerous", () => {
    const bytes = new PickleBuilder().mark().stringText("'print(1)'").inst("__builtin__", "exec").stop().bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports[0]).toMatchObject({
      module: "__builtin__",
      name: "exec",
      resolved: "builtins.exec",
      verdict: "dangerous",
    });
    expect(codes(a, "dangerous")).toEqual(expect.arrayContaining(["dangerous-global", "structural-violation"]));
  });

  it("importlib + getattr call chains are dangerous (denylist and call chaining)", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .global("__builtin__", "getattr")
      .global("importlib", "import_module")
      .binunicode("builtins")
      .tuple1()
      .reduce()
      .binunicode("print")
      .tuple2()
      .reduce()
      .binunicode("harmless")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports.map((i) => [i.resolved, i.verdict])).toEqual([
      ["builtins.getattr", "dangerous"],
      ["importlib.import_module", "dangerous"],
    ]);
    expect(a.findings.some((f) => f.code === "structural-violation" && f.message.includes("call chaining"))).toBe(true);
    // A dotted name is an attribute chain CPython resolves (protocol 4+): it reaches past the name it gives.
    const join = analyzePickle(stackGlobalCall("builtins", "str.join"), plain);
    expect(codes(join, "dangerous")).toContain("dangerous-global");
  });

  it("alternative primitives under torch./numpy. and elsewhere are dangerous", () => {
    const primitives = [
      "torch.utils.collect_env run",
      "torch._inductor.codecache compile_file",
      "torch.jit.unsupported_tensor_ops execWrapper",
      "torch.utils.bottleneck.__main__ run_cprofile",
      "multiprocessing.util spawnv_passfds",
      "mlflow.projects.backend.local _run_entry_point",
      "pandas.io.parsers.readers read_csv",
      "uuid _get_command_stdout",
      "_osx_support _read_output",
      "imaplib IMAP4_stream",
      "pty spawn",
      "ctypes CDLL",
      "_io FileIO",
      "logging FileHandler",
      "pkgutil resolve_name",
      "profile run",
      "cProfile runctx",
      "trace Trace.run",
      "idlelib.pyshell ModifiedInterpreter.runcode",
      "idlelib.run Executive",
      "lib2to3.pgen2.grammar Grammar.loads",
      "numpy.f2py.crackfortran getlincoef",
      "distutils.file_util write_file",
      "pip main",
      "venv create",
      "numpy.testing._private.utils runstring",
      "torch load",
    ];
    for (const pair of primitives) {
      const [module, name] = pair.split(" ") as [string, string];
      const a = analyzePickle(stackGlobalCall(module, name), plain);
      expect(verdictOf(a), pair).toBe("dangerous");
      // The import itself is judged dangerous, not only the call shape.
      expect(a.imports[0]?.verdict, pair).toBe("dangerous");
    }
    const partial = new PickleBuilder()
      .proto(2)
      .global("functools", "partial")
      .global("torch", "load")
      .binunicode("x.pt")
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(partial, plain))).toBe("dangerous");
  });

  it("nested-pickle loaders are dangerous", () => {
    for (const [module, name] of [
      ["pickle", "loads"],
      ["_pickle", "loads"],
      ["torch.storage", "_load_from_bytes"],
      ["torch.utils._config_module", "ConfigModule.load_config"],
      ["torch.utils.data.datapipes.utils.decoder", "basichandlers"],
    ]) {
      const a = analyzePickle(stackGlobalCall(module!, name!), plain);
      expect(a.imports[0]?.verdict, `${module}.${name}`).toBe("dangerous");
    }
  });

  it("cloudpickle and types.CodeType code-object reconstruction are dangerous", () => {
    for (const [module, name] of [
      ["cloudpickle.cloudpickle", "_make_function"],
      ["types", "CodeType"],
      ["types", "FunctionType"],
    ]) {
      const a = analyzePickle(callPrefix(new PickleBuilder().proto(2), module!, name!).none().stop().bytes(), plain);
      expect(verdictOf(a), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("a broken pickle after a builtins.exec REDUCE is dangerous, not merely corrupt", () => {
    const broken = new PickleBuilder()
      .proto(2)
      .global("builtins", "exec")
      .binunicode("print(1)")
      .tuple1()
      .reduce()
      .raw([0xff, 0xfe])
      .bytes();
    const a = analyzePickle(broken, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.findings.find((f) => f.code === "invalid")?.severity).toBe("dangerous");
    expect(a.end).toBeNull();
    const noStop = new PickleBuilder()
      .proto(2)
      .global("builtins", "exec")
      .binunicode("print(1)")
      .tuple1()
      .reduce()
      .bytes();
    expect(verdictOf(analyzePickle(noStop, plain))).toBe("dangerous");
  });

  it("globals after the point where the stream breaks are still reported", () => {
    const bytes = new PickleBuilder()
      .proto(2)
      .binget(9)
      .global("os", "system")
      .binunicode("echo")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports.map((i) => i.resolved)).toEqual(["os.system"]);
  });

  it("a corrupt pickle without any non-SAFE global is suspicious: invalid", () => {
    const a = analyzePickle(new PickleBuilder().proto(2).emptyDict().setitem().stop().bytes(), plain);
    expect(verdictOf(a)).toBe("suspicious");
    expect(codes(a)).toEqual(["invalid"]);
  });

  it("OBJ whose result is discarded with POP is dangerous", () => {
    const bytes = new PickleBuilder()
      .proto(1)
      .mark()
      .global("smtplib", "SMTP")
      .binunicode("127.0.0.1")
      .obj()
      .pop()
      .emptyDict()
      .stop()
      .bytes();
    const a = analyzePickle(bytes, plain);
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.imports[0]).toMatchObject({ resolved: "smtplib.SMTP", verdict: "dangerous" });
    expect(a.findings.some((f) => f.message.includes("discarded"))).toBe(true);
  });

  it("scanner-deactivation imports are dangerous", () => {
    for (const [module, name] of [
      ["picklescan.scanner", "scan_file_path"],
      ["fickling", "always_check_safety"],
      ["modelscan.modelscan", "ModelScan"],
    ]) {
      expect(analyzePickle(stackGlobalCall(module!, name!), plain).imports[0]?.verdict, module).toBe("dangerous");
    }
  });

  it("target rules: BUILD on a global or SETITEM/APPEND on a call result are dangerous", () => {
    const buildOnGlobal = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .emptyDict()
      .build()
      .stop()
      .bytes();
    const setitemOnObject = new PickleBuilder()
      .proto(2)
      .global("numpy", "dtype")
      .binunicode("f4")
      .newFalse()
      .newTrue()
      .tuple3()
      .reduce()
      .binunicode("k")
      .none()
      .setitem()
      .stop()
      .bytes();
    for (const bytes of [buildOnGlobal, setitemOnObject]) {
      const a = analyzePickle(bytes, plain);
      expect(verdictOf(a)).toBe("dangerous");
      expect(codes(a, "dangerous")).toEqual(["structural-violation"]);
    }
  });

  it("target rules: BUILD, SETITEM or APPEND that CPython refuses, or that only sets attributes, is suspicious", () => {
    // A dict has no __dict__, a dict has no append: CPython raises and the load stops. A list takes item
    // assignment and an OrderedDict instance attributes: inert, but never what torch.save writes.
    const appendOnDict = new PickleBuilder().proto(2).emptyDict().none().append().stop().bytes();
    const buildOnPlainDict = new PickleBuilder().proto(2).emptyDict().emptyDict().build().stop().bytes();
    const setitemOnList = new PickleBuilder().proto(2).emptyList().binunicode("k").none().setitem().stop().bytes();
    const metadataThenOther = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .emptyDict()
      .binunicode("__class__")
      .none()
      .setitem()
      .build()
      .stop()
      .bytes();
    for (const bytes of [appendOnDict, buildOnPlainDict, setitemOnList, metadataThenOther]) {
      expect(verdictOf(analyzePickle(bytes, plain))).toBe("suspicious");
    }
  });

  it("target rules: a SAFE rebuild function with the wrong arity or argument kinds is dangerous", () => {
    const wrongArity = new PickleBuilder()
      .proto(2)
      .global("torch._utils", "_rebuild_tensor_v2")
      .binint1(1)
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const orderedDictArgs = new PickleBuilder()
      .proto(2)
      .global("collections", "OrderedDict")
      .emptyList()
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const encodeUtf8 = new PickleBuilder()
      .proto(2)
      .global("_codecs", "encode")
      .binunicode("x")
      .binunicode("utf-8")
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    const callStorage = new PickleBuilder()
      .proto(2)
      .global("torch", "HalfStorage")
      .binint(1 << 30)
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    for (const bytes of [wrongArity, orderedDictArgs, encodeUtf8, callStorage]) {
      expect(codes(analyzePickle(bytes, plain), "dangerous")).toEqual(["structural-violation"]);
    }
  });
});

/** A `_rebuild_tensor_v2` call around a hand-written persistent id. */
function tensorWithPid(writePid: (b: PickleBuilder) => PickleBuilder, shape = [2]): Uint8Array {
  const b = new PickleBuilder()
    .proto(2)
    .emptyDict()
    .binunicode("w")
    .global("torch._utils", "_rebuild_tensor_v2")
    .mark();
  writePid(b).binpersid().binint1(0);
  for (const d of shape) b.int(d);
  b.tuple1().binint1(1).tuple1().newFalse().global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
  return b.setitem().stop().bytes();
}

const storagePid = (key: string, numel: number | bigint, extra?: (b: PickleBuilder) => void) => (b: PickleBuilder) => {
  b.mark().binunicode("storage").global("torch", "HalfStorage").binunicode(key).binunicode("cpu").int(numel);
  extra?.(b);
  return b.tuple();
};

describe("persistent ids", () => {
  it("accepts a well-formed zip persistent id", () => {
    const a = analyzePickle(tensorWithPid(storagePid("0", 2)), zip);
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors[0]).toMatchObject({ name: "w", shape: [2], storage: { key: "0", byteSize: 4 } });
  });

  it("an int pid, a ('module', …) pid or the wrong arity is dangerous", () => {
    const intPid = tensorWithPid((b) => b.binint1(0));
    const modulePid = tensorWithPid((b) =>
      b
        .mark()
        .binunicode("module")
        .global("__main__", "Net")
        .binunicode("net.py")
        .binunicode("class Net: pass")
        .tuple(),
    );
    const fourTuple = tensorWithPid((b) =>
      b.mark().binunicode("storage").global("torch", "HalfStorage").binunicode("0").binunicode("cpu").tuple(),
    );
    const legacyInZip = tensorWithPid(storagePid("0", 2, (b) => b.none()));
    // A ('module', …) pid is the class itself in the legacy loader (and nothing in the zip one): never a storage.
    for (const [bytes, mode] of [
      [intPid, "zip"],
      [modulePid, "legacy"],
      [modulePid, "zip"],
      [fourTuple, "zip"],
      [legacyInZip, "zip"],
    ] as const) {
      const a = analyzePickle(bytes, { persistentIds: mode });
      expect(verdictOf(a)).toBe("dangerous");
      expect(codes(a, "dangerous")).toContain("structural-violation");
    }
    // Without a persistent_load (a plain pickle.load) the first persistent id makes CPython raise.
    expect(verdictOf(analyzePickle(tensorWithPid(storagePid("0", 2)), plain))).toBe("suspicious");
  });

  it("a storage class that is not a torch storage is dangerous", () => {
    const bytes = tensorWithPid((b) =>
      b.mark().binunicode("storage").global("torch", "float16").binunicode("0").binunicode("cpu").binint1(2).tuple(),
    );
    expect(codes(analyzePickle(bytes, zip), "dangerous")).toEqual(["structural-violation"]);
  });

  it("negative or huge numel is dangerous; byteSize is what data/<key> must hold", () => {
    for (const numel of [-1, 2n ** 62n]) {
      const a = analyzePickle(tensorWithPid(storagePid("0", numel)), zip);
      expect(verdictOf(a), String(numel)).toBe("dangerous");
    }
    const a = analyzePickle(tensorWithPid(storagePid("0", 1000)), zip);
    expect(a.storages).toEqual([
      { key: "0", storageClass: "HalfStorage", dtype: "F16", location: "cpu", numel: 1000, byteSize: 2000 },
    ]);
  });

  it("a tensor reaching past its storage is reported, and conflicting declarations of one key are dangerous", () => {
    expect(codes(analyzePickle(tensorWithPid(storagePid("0", 1)), zip))).toEqual(["invalid"]);
    const twice = torchPickle(
      {
        dict: [
          ["a", { tensor: { shape: [4], storageKey: "0" } }],
          ["b", { tensor: { shape: [2], storageKey: "0", storageNumel: 2 } }],
        ],
      },
      { persistentIds: "zip" },
    );
    expect(verdictOf(analyzePickle(twice.bytes, zip))).toBe("dangerous");
  });

  it("storage keys that are paths are dangerous", () => {
    for (const key of ["../x", "0/../../y", "", "0x1", "١"]) {
      const a = analyzePickle(tensorWithPid(storagePid(key, 2)), zip);
      expect(verdictOf(a), key).toBe("dangerous");
      expect(a.storages).toEqual([]);
    }
  });

  it("an unknown storage location is suspicious", () => {
    const bytes = tensorWithPid((b) =>
      b
        .mark()
        .binunicode("storage")
        .global("torch", "HalfStorage")
        .binunicode("0")
        .binunicode("file:///etc")
        .binint1(2)
        .tuple(),
    );
    const a = analyzePickle(bytes, zip);
    expect(verdictOf(a)).toBe("suspicious");
  });
});
