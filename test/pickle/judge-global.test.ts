import { describe, expect, it } from "vitest";
import { judgeGlobal } from "../../src/pickle/judge-global.js";

const cls = (module: string, name: string, protocol = 2) => judgeGlobal(module, name, protocol).class;

describe("judgeGlobal", () => {
  it("rejects malformed names before lookup: unimportable ones are malformed, ones reaching further dangerous", () => {
    for (const [module, name] of [
      ["", "x"],
      ["os", ""],
      ["posix\r", "system"],
      ["torch", "load "],
      ["os..path", "join"],
      ["tor\0ch", "Size"],
      ["torch", "Size\r"],
    ]) {
      expect(cls(module!, name!), JSON.stringify([module, name])).toBe("malformed");
    }
    for (const [module, name] of [
      ["torch", "nn.Module"],
      ["torch.__x", "y"],
      ["builtins", "__import__"],
      ["collections", "OrderedDict.fromkeys"],
    ]) {
      expect(cls(module!, name!), JSON.stringify([module, name])).toBe("dangerous");
    }
  });

  it("maps Python 2 names only below protocol 3, and judges the mapped pair", () => {
    expect(judgeGlobal("__builtin__", "reduce", 2)).toMatchObject({ resolved: "functools.reduce", class: "dangerous" });
    expect(judgeGlobal("__builtin__", "intern", 2)).toMatchObject({ resolved: "sys.intern", class: "dangerous" });
    expect(judgeGlobal("copy_reg", "_reconstructor", 2)).toMatchObject({
      resolved: "copyreg._reconstructor",
      class: "known",
    });
    expect(judgeGlobal("commands", "getoutput", 2).resolved).toBe("subprocess.getoutput");
    expect(judgeGlobal("urllib2", "urlopen", 2).resolved).toBe("urllib.request.urlopen");
    expect(judgeGlobal("cStringIO", "StringIO", 0).resolved).toBe("io.StringIO");
    expect(judgeGlobal("UserDict", "UserDict", 2).resolved).toBe("collections.UserDict");
    expect(judgeGlobal("exceptions", "ValueError", 2).resolved).toBe("builtins.ValueError");
    expect(judgeGlobal("copy_reg", "_reconstructor", 3).resolved).toBe("copy_reg._reconstructor");
  });

  it("matches dangerous modules with every sub-module, never SAFE ones by prefix", () => {
    expect(cls("asyncio.unix_events", "_UnixSubprocessTransport")).toBe("dangerous");
    expect(cls("torch._inductor.codecache", "anything")).toBe("dangerous");
    expect(cls("colorsys", "rgb_to_hsv")).toBe("unknown");
    expect(cls("torch", "FloatStorage")).toBe("safe");
    expect(cls("torch.FloatStorage", "x")).toBe("unknown");
    expect(cls("torch._utils", "_rebuild_tensor_v9")).toBe("unknown");
    expect(cls("numpy", "f2py")).toBe("unknown");
    expect(cls("numpy.f2py", "crackfortran")).toBe("dangerous");
  });

  it("splits the builtins family three ways", () => {
    expect(cls("__builtin__", "set")).toBe("safe");
    expect(cls("builtins", "frozenset", 4)).toBe("safe");
    expect(cls("builtins", "map", 4)).toBe("known");
    expect(cls("__builtins__", "getattr", 4)).toBe("dangerous");
    expect(cls("builtins", "memoryview", 4)).toBe("dangerous");
  });

  it("knows the benign-but-untrusted classes and keeps __main__ suspicious", () => {
    expect(cls("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")).toBe("known");
    expect(cls("numpy.dtypes", "Int64DType")).toBe("known");
    expect(cls("torch.nn.modules.conv", "Conv2d")).toBe("known");
    expect(cls("__main__", "Net")).toBe("unknown");
    expect(cls("torch.storage", "_load_from_bytes")).toBe("dangerous");
  });

  it("calls a leading double underscore a dunder, a trailing one not", () => {
    expect(cls("collections", "__loader")).toBe("dangerous");
    expect(cls("mymodel.layers", "Block__")).toBe("unknown");
  });

  it("knows numpy's *DType classes only in numpy.dtypes", () => {
    expect(cls("mymodel.layers", "EvilDType")).toBe("unknown");
    expect(cls("numpy.dtypes", "_add_dtype_helper")).toBe("unknown");
  });

  it("says why, for the finding: each rule its own reason, an alias's only when it is stricter", () => {
    const reasons: [string, string, string, number][] = [
      ["", "x", "empty module or name", 4],
      ["os", "", "empty module or name", 4],
      ["posix\r", "system", "characters outside [A-Za-z0-9_.] (whitespace, \\r, NUL or punctuation)", 4],
      ["torch", "nn.Module", "dotted name (attribute chain)", 4],
      ["os..path", "join", "empty module component", 4],
      ["torch.__x", "y", "dunder component", 4],
      ["__builtin__", "set", "inert builtin", 2],
      ["builtins", "map", "builtin that can build or call other values", 4],
      ["builtins", "eval", "builtin outside the inert set (eval/exec/getattr/open class)", 4],
      ["torch", "FloatStorage", "SAFE", 4],
      ["torch", "load", "known code-execution or nested-load primitive", 4],
      ["shutil", "rmtree", "module shutil can run code or touch the system", 4],
      [
        "pathlib",
        "os",
        "attribute os of another module is the os module it imported (a way to reach it under another name)",
        4,
      ],
      ["torch.nn.modules.conv", "Conv2d", "requires trusting the file's Python classes", 4],
      ["__main__", "Net", "unknown import", 4],
      // os.system is posix.system: both dangerous, so the pair's own reason stands.
      ["os", "system", "module os can run code or touch the system", 4],
      ["io", "open", "same object as _io.open: known code-execution or nested-load primitive", 4],
    ];
    for (const [module, name, reason, protocol] of reasons) {
      expect(judgeGlobal(module, name, protocol).reason, `${module}.${name}`).toBe(reason);
    }
    expect(judgeGlobal("posix\r", "system", 4)).toMatchObject({ resolved: "posix\r.system", class: "malformed" });
  });
});
