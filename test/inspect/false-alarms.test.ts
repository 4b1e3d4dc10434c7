import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  PickleBuilder,
  type PickleValueSpec,
  stateDictMetadata,
  type TorchPickleOptions,
  torchPickle,
} from "../../fixtures/pickle-builder.js";
import { safetensorsHeader, writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { writeLegacyTorchFile } from "../../fixtures/torch-legacy-writer.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { classify } from "../../src/classify/classify.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { analyzePickle } from "../../src/pickle/analyze.js";
import { useTempDirs } from "../helpers.js";
import { codes, verdictOf } from "../pickle/verdict.js";

const tempDir = useTempDirs();

async function zipFile(name: string, root: PickleValueSpec): Promise<string> {
  const path = join(await tempDir(), name);
  const { bytes, storages } = torchPickle(root, { persistentIds: "zip" });
  await writeTorchZip(path, { dataPkl: bytes, storages: storages.map(({ key, byteSize }) => ({ key, byteSize })) });
  return path;
}

async function legacyFile(name: string, root: PickleValueSpec): Promise<string> {
  const path = join(await tempDir(), name);
  await writeLegacyTorchFile(path, root);
  return path;
}

/** What the original textual-inversion code saved: the vectors in an nn.ParameterDict, the tokens beside them. */
const TEXTUAL_INVERSION: PickleValueSpec = {
  dict: [
    ["string_to_token", { dict: [["*", { tensor: { shape: [], dtype: "I64" } }]] }],
    ["string_to_param", { parameterDict: [["*", { shape: [4, 768], dtype: "F32" }]] }],
  ],
};

/**
 * `torch.save(model)` of a whole module (protocol 2): NEWOBJ of the module's class, BUILD of its `__dict__`, the
 * parameters inside `_parameters`, sub-modules inside `_modules`.
 */
function wholeModule(options: TorchPickleOptions["persistentIds"]): Uint8Array {
  const b = new PickleBuilder().proto(2);
  const cls = (module: string, name: string) =>
    options === "legacy"
      ? b
          .mark()
          .binunicode("module")
          .global(module, name)
          .binunicode("net.py")
          .binunicode("class Net(nn.Module): ...")
          .tuple()
          .binpersid()
      : b.global(module, name);
  cls("__main__", "Net");
  b.emptyTuple().newobj().emptyDict().binunicode("training").newTrue().setitem();
  b.binunicode("_modules").global("collections", "OrderedDict").emptyTuple().reduce().binunicode("fc");
  cls("torch.nn.modules.linear", "Linear");
  b.emptyTuple().newobj().emptyDict().binunicode("in_features").binint1(4).setitem().build().setitem().setitem();
  return b.build().stop().bytes();
}

describe("false alarms: ordinary files torch and the WebUIs write are not dangerous", () => {
  it("a GLOBAL whose bytes are not UTF-8 imports nothing (CPython raises first): malformed, not dangerous", () => {
    for (const [module, name] of [
      [[0x70, 0x6f, 0xff], [0x78]],
      [
        [0x6f, 0x73],
        [0x73, 0x79, 0xc3, 0x28],
      ],
    ] as const) {
      const b = new PickleBuilder()
        .proto(2)
        .raw([0x63, ...module, 0x0a, ...name, 0x0a])
        .emptyTuple()
        .reduce()
        .stop();
      const a = analyzePickle(b.bytes(), { persistentIds: "none" });
      expect(verdictOf(a)).toBe("suspicious");
      expect(codes(a)).toEqual(["invalid"]);
      expect(a.imports).toEqual([]);
    }
  });

  it("torch.save of a whole nn.Module (zip) is suspicious with the reason, not dangerous", async () => {
    const a = analyzePickle(wholeModule("zip"), { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("suspicious");
    expect(codes(a, "suspicious")).toContain("object-state");
    expect(a.findings.find((f) => f.code === "object-state")?.message).toContain("__main__.Net");
  });

  it("torch.save of a whole nn.Module (legacy, ('module', …) persistent ids): suspicious, not dangerous", async () => {
    const a = analyzePickle(wholeModule("legacy"), { persistentIds: "legacy" });
    expect(verdictOf(a)).toBe("suspicious");
    expect(a.imports.map((i) => i.resolved)).toEqual(
      expect.arrayContaining(["__main__.Net", "torch.nn.modules.linear.Linear"]),
    );
    // The zip loader has no ('module', …) ids: there it stays a structural violation.
    expect(verdictOf(analyzePickle(wholeModule("legacy"), { persistentIds: "zip" }))).toBe("dangerous");
  });

  it.each(["zip", "legacy"] as const)(
    "a textual-inversion embedding with an nn.ParameterDict (%s) is safe and installs as an embedding",
    async (container) => {
      const path =
        container === "zip"
          ? await zipFile("learned.pt", TEXTUAL_INVERSION)
          : await legacyFile("learned.pt", TEXTUAL_INVERSION);
      const inspection = await inspectFile(path);
      expect(inspection.error).toBeNull();
      expect(inspection.safety.findings.filter((f) => f.severity !== "safe")).toEqual([]);
      expect(inspection.safety.verdict).toBe("safe");
      expect(inspection.tensors.map((t) => [t.name, t.shape])).toEqual([
        ["string_to_token.*", []],
        ["string_to_param.*", [4, 768]],
      ]);
      expect(classify(inspection)).toMatchObject({ kind: "embedding", base: "sd1" });
    },
  );

  it("a ParameterDict is safe only as NEWOBJ + BUILD of parameters; other state is noted, a call violates", () => {
    const withModule = torchPickle(
      {
        dict: [
          ["p", { parameterDict: [["*", { shape: [768] }]] }],
          ["m", stateDictMetadata(["x"])],
        ],
      },
      { persistentIds: "zip" },
    );
    expect(verdictOf(analyzePickle(withModule.bytes, { persistentIds: "zip" }))).toBe("safe");
    // torch 2.x adds attributes: more empty hook dicts and `_compiled_call_impl = None`.
    const torch2 = new PickleBuilder()
      .proto(2)
      .global("torch.nn.modules.container", "ParameterDict")
      .emptyTuple()
      .newobj()
      .emptyDict()
      .mark()
      .binunicode("_forward_hooks_with_kwargs")
      .emptyDict()
      .binunicode("_compiled_call_impl")
      .none()
      .binunicode("_backward_pre_hooks")
      .emptyDict()
      .setitems()
      .build()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(torch2, { persistentIds: "zip" }))).toBe("safe");
    const extra = new PickleBuilder()
      .proto(2)
      .global("torch.nn.modules.container", "ParameterDict")
      .emptyTuple()
      .newobj()
      .emptyDict()
      .binunicode("_forward_hooks")
      .emptyDict()
      .binunicode("k")
      .binint1(1)
      .setitem()
      .setitem()
      .build()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(extra, { persistentIds: "zip" }))).toBe("suspicious");
    const called = new PickleBuilder()
      .proto(2)
      .global("torch.nn.modules.container", "ParameterDict")
      .emptyDict()
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    expect(verdictOf(analyzePickle(called, { persistentIds: "zip" }))).toBe("dangerous");
  });
});

describe("false alarms (2): Lightning checkpoints", () => {
  it("Lightning's AttributeDict hyper_parameters (NEWOBJ of a dict subclass, SETITEMS) is suspicious only", () => {
    const b = new PickleBuilder()
      .proto(2)
      .emptyDict()
      .binunicode("hyper_parameters")
      .global("pytorch_lightning.utilities.parsing", "AttributeDict")
      .emptyTuple()
      .newobj()
      .mark()
      .binunicode("learning_rate")
      .binfloat(1e-4)
      .binunicode("base_model")
      .binunicode("v1-5")
      .setitems()
      .setitem()
      .stop();
    const a = analyzePickle(b.bytes(), { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("suspicious");
    expect(a.findings.find((f) => f.code === "object-state")?.message).toContain("AttributeDict");
  });

  // Unlucky user: a LoRA whose header is 0x5388 bytes long starts with 0x88 0x53, which a pickle reader takes for
  // NEWTRUE then STRING. Its tensors are zeros (a fresh LoRA's up weights; any sparse file), so no newline ends the
  // STRING line for more than the 64 MiB sdmodels reads, and the file was failed closed as dangerous. CPython's
  // load_string refuses an unquoted STRING operand whatever the line holds, so nothing after it can ever run.
  it("a safetensors file whose length prefix reads as NEWTRUE, STRING over zeros is safe, its pickle reading over", async () => {
    const tensors = [
      { name: "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", shape: [320, 4096, 16], dtype: "F32" },
    ];
    const note = noteForHeaderLength(tensors, 0x5388);
    expect(safetensorsHeader(tensors, { ss_note: note }).header.length).toBe(0x5388);
    const path = join(await tempDir(), "fresh_lora.safetensors");
    await writeSafetensors(path, tensors, { metadata: { ss_note: note } });
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("safetensors");
    expect(inspection.safety.verdict).toBe("safe");
    expect(inspection.bytesRead).toBeLessThan(1024 * 1024);
  });
  // Unlucky user: a LoRA whose header is ~37.7 kB long (0x93xx bytes) starts with a byte that stops a pickle reading
  // at once (POP on an empty stack, a text persistent id, a PUT with no number) followed by 0x93, STACK_GLOBAL. The
  // scan after the break called that STACK_GLOBAL dangerous ("its operands cannot be resolved"): 2 of the bench's
  // 1,000 downloads and 60 of its 100,000 LoRAs. Nothing before it could have pushed a str, so CPython raises there.
  it.each([
    ["POP", 0x9330],
    ["PERSID", 0x9350],
    ["PUT", 0x9370],
  ])("a safetensors file whose length prefix reads as %s, STACK_GLOBAL is safe", async (_first, length) => {
    const tensors = [
      { name: "lora_unet_down_blocks_0_attentions_0_proj_in.oft_blocks", shape: [4, 80, 80], dtype: "F32" },
      { name: "lora_unet_down_blocks_0_attentions_0_proj_in.alpha", shape: [], dtype: "F32" },
    ];
    const note = noteForHeaderLength(tensors, length);
    expect(safetensorsHeader(tensors, { ss_note: note }).header.length).toBe(length);
    const path = join(await tempDir(), "boft_style.safetensors");
    await writeSafetensors(path, tensors, { metadata: { ss_note: note } });
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("safetensors");
    expect(inspection.safety.findings).toEqual([]);
    expect(inspection.safety.verdict).toBe("safe");
  });

  // The attacker's side of the same rule: once a str may be on the stack, a STACK_GLOBAL after a break stays dangerous.
  it("a STACK_GLOBAL after a break that follows a pushed str is still dangerous", () => {
    const b = new PickleBuilder().proto(2).binunicode("os").binunicode("system").pop().pop().pop().stackGlobal();
    const a = analyzePickle(b.bytes(), { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("dangerous");
    expect(a.findings.map((f) => f.code)).toContain("malformed-global");
  });
});

/**
 * An `ss_note` that makes the header at least `length` bytes: the header grows by one byte per character (give or
 * take its alignment padding), so start a few short of it instead of growing one character per JSON encoding.
 */
function noteForHeaderLength(tensors: Parameters<typeof safetensorsHeader>[0], length: number): string {
  const bare = safetensorsHeader(tensors, { ss_note: "" }).header.length;
  let note = "x".repeat(Math.max(0, length - bare - 16));
  while (safetensorsHeader(tensors, { ss_note: note }).header.length < length) note += "x";
  return note;
}
