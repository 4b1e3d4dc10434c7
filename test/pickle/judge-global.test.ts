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
});
