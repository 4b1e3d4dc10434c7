import { describe, expect, it } from "vitest";
import {
  checkpointSpec,
  lightningCallbacks,
  PickleBuilder,
  type PickleValueSpec,
  torchPickle,
} from "../../fixtures/pickle-builder.js";
import { analyzePickle } from "../../src/pickle/analyze.js";
import { codes, verdictOf } from "./verdict.js";

describe("analyzePickle on what torch.save writes", () => {
  it("lists an SD checkpoint's tensors with wrapper paths, shapes, dtypes and storage sizes (safe)", () => {
    const { bytes, storages } = torchPickle(
      checkpointSpec(
        [
          ["model.diffusion_model.input_blocks.0.0.weight", { shape: [320, 4, 3, 3] }],
          ["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3], dtype: "F32" }],
          ["cond_stage_model.transformer.text_model.embeddings.position_ids", { shape: [1, 77], dtype: "I64" }],
          ["model_ema.decay", { shape: [], dtype: "F32" }],
        ],
        [
          ["epoch", 6],
          ["global_step", 470000],
        ],
      ),
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip", label: "data.pkl" });
    expect(a.findings).toEqual([]);
    expect(verdictOf(a)).toBe("safe");
    expect(a.end).toBe(bytes.length);
    expect(a.tensors.map((t) => [t.name, t.path, t.dtype, t.shape])).toEqual([
      [
        "state_dict.model.diffusion_model.input_blocks.0.0.weight",
        ["state_dict", "model.diffusion_model.input_blocks.0.0.weight"],
        "F16",
        [320, 4, 3, 3],
      ],
      [
        "state_dict.model.diffusion_model.out.2.weight",
        ["state_dict", "model.diffusion_model.out.2.weight"],
        "F32",
        [4, 320, 3, 3],
      ],
      [
        "state_dict.cond_stage_model.transformer.text_model.embeddings.position_ids",
        ["state_dict", "cond_stage_model.transformer.text_model.embeddings.position_ids"],
        "I64",
        [1, 77],
      ],
      ["state_dict.model_ema.decay", ["state_dict", "model_ema.decay"], "F32", []],
    ]);
    expect(
      a.storages.map(({ key, storageClass, numel, byteSize, location }) => ({
        key,
        storageClass,
        numel,
        byteSize,
        location,
      })),
    ).toEqual(
      storages.map(({ key, storageClass, numel, byteSize }) => ({
        key,
        storageClass,
        numel,
        byteSize,
        location: "cpu",
      })),
    );
    expect(a.storages[0]).toMatchObject({ numel: 320 * 4 * 9, byteSize: 320 * 4 * 9 * 2, dtype: "F16" });
    expect(a.values).toEqual({ epoch: 6, global_step: 470000 });
    expect(a.imports.map((i) => [i.resolved, i.verdict])).toEqual(
      expect.arrayContaining([
        ["collections.OrderedDict", "safe"],
        ["torch._utils._rebuild_tensor_v2", "safe"],
        ["torch.HalfStorage", "safe"],
      ]),
    );
  });

  it("shares one storage between tied weights and reports it once", () => {
    const { bytes } = torchPickle(
      {
        dict: [
          ["a", { tensor: { shape: [8], storageKey: "0" } }],
          ["b", { tensor: { shape: [4], storageKey: "0", storageOffset: 4 } }],
        ],
      },
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("safe");
    expect(a.storages).toHaveLength(1);
    expect(a.tensors.map((t) => [t.name, t.storage.key, t.storageOffset])).toEqual([
      ["a", "0", 0],
      ["b", "0", 4],
    ]);
  });

  it("keeps integer keys and tuple indices of a hypernetwork", () => {
    const layer: PickleValueSpec = {
      dict: [
        ["linear.0.weight", { tensor: { shape: [1536, 768] } }],
        ["linear.0.bias", { tensor: { shape: [1536] } }],
      ],
    };
    const { bytes } = torchPickle(
      {
        dict: [
          [768, { tuple: [layer, layer] }],
          [1024, { tuple: [layer, layer] }],
          ["layer_structure", [{ float: 1 }, 2, { float: 1 }]],
          ["activation_func", "linear"],
          ["name", "anime_3"],
          ["step", 5000],
        ],
      },
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors.map((t) => t.path)).toEqual([
      [768, 0, "linear.0.weight"],
      [768, 0, "linear.0.bias"],
      [768, 1, "linear.0.weight"],
      [768, 1, "linear.0.bias"],
      [1024, 0, "linear.0.weight"],
      [1024, 0, "linear.0.bias"],
      [1024, 1, "linear.0.weight"],
      [1024, 1, "linear.0.bias"],
    ]);
    expect(a.tensors[0]!.name).toBe("768.0.linear.0.weight");
    expect(a.values).toEqual({ layer_structure: [1, 2, 1], activation_func: "linear", name: "anime_3", step: 5000 });
  });

  it("reads an A1111 embedding (string_to_param → *)", () => {
    const { bytes } = torchPickle(
      {
        dict: [
          ["string_to_token", { dict: [["*", 265]] }],
          ["string_to_param", { dict: [["*", { tensor: { shape: [8, 768], dtype: "F32", parameter: true } }]] }],
          ["name", "badhands"],
          ["step", 1500],
          ["sd_checkpoint", "7460a6fa"],
          ["sd_checkpoint_name", "v1-5-pruned"],
        ],
      },
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors.map((t) => [t.name, t.path, t.dtype, t.shape])).toEqual([
      ["string_to_param.*", ["string_to_param", "*"], "F32", [8, 768]],
    ]);
    expect(a.values["string_to_token.*"]).toBe(265);
    expect(a.imports.map((i) => i.resolved)).toContain("torch._utils._rebuild_parameter");
  });

  it("reads _rebuild_tensor_v3 with an UntypedStorage counted in bytes", () => {
    const { bytes } = torchPickle(
      {
        dict: [
          ["w8", { tensor: { shape: [16, 32], dtype: "F8_E4M3" } }],
          ["u", { tensor: { shape: [3], dtype: "U16" } }],
        ],
      },
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("safe");
    expect(a.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ["w8", "F8_E4M3", [16, 32]],
      ["u", "U16", [3]],
    ]);
    expect(a.storages).toEqual([
      { key: "0", storageClass: "UntypedStorage", dtype: "F8_E4M3", location: "cpu", numel: 512, byteSize: 512 },
      { key: "1", storageClass: "UntypedStorage", dtype: "U16", location: "cpu", numel: 6, byteSize: 6 },
    ]);
  });

  it("numpy int64 global_step, _codecs.encode and __builtin__.set are safe after the py2 mapping", () => {
    for (const numpyModule of ["numpy.core.multiarray", "numpy._core.multiarray"] as const) {
      const { bytes } = torchPickle(
        checkpointSpec(
          [["w", { shape: [2, 2] }]],
          [
            ["global_step", { numpyInt64: 470000, numpyModule }],
            ["tags", { set: ["a", "b"] }],
            ["blob", { bytes: Uint8Array.from([0, 255, 7]) }],
          ],
        ),
        { persistentIds: "zip" },
      );
      const a = analyzePickle(bytes, { persistentIds: "zip" });
      expect(a.findings).toEqual([]);
      expect(verdictOf(a)).toBe("safe");
      expect(a.values.global_step).toBe(470000);
      const set = a.imports.find((i) => i.name === "set")!;
      expect(set).toMatchObject({ module: "__builtin__", resolved: "builtins.set", verdict: "safe" });
      expect(a.imports.map((i) => i.resolved)).toEqual(
        expect.arrayContaining([`${numpyModule}.scalar`, "numpy.dtype", "_codecs.encode"]),
      );
    }
  });

  it("an SD 1.x ckpt with Lightning's ModelCheckpoint in callbacks is suspicious, never dangerous", () => {
    const { bytes } = torchPickle(
      checkpointSpec(
        [["w", { shape: [2] }]],
        [
          ["global_step", 470000],
          ["callbacks", lightningCallbacks()],
        ],
      ),
      { persistentIds: "zip" },
    );
    const a = analyzePickle(bytes, { persistentIds: "zip" });
    expect(verdictOf(a)).toBe("suspicious");
    expect(codes(a)).toEqual(["known-benign-class"]);
    expect(a.imports.find((i) => i.name === "ModelCheckpoint")).toMatchObject({ verdict: "suspicious" });
    expect(a.tensors).toHaveLength(1);
  });

  it("reports bytes after STOP as trailing-bytes unless the caller expects more", () => {
    const { bytes } = torchPickle({ dict: [["w", { tensor: { shape: [2] } }]] }, { persistentIds: "zip" });
    const padded = new Uint8Array([...bytes, 0, 0, 0]);
    expect(codes(analyzePickle(padded, { persistentIds: "zip" }))).toEqual(["trailing-bytes"]);
    const stacked = analyzePickle(padded, { persistentIds: "zip", expectEnd: false });
    expect(stacked.findings).toEqual([]);
    expect(stacked.end).toBe(bytes.length);
  });

  it("starts at `start` and reports a second stream's end", () => {
    const first = new PickleBuilder().proto(2).binint2(1001).stop().bytes();
    const second = new PickleBuilder().proto(2).emptyList().stop().bytes();
    const both = new Uint8Array([...first, ...second]);
    const a = analyzePickle(both, { persistentIds: "none", start: first.length });
    expect(a.end).toBe(both.length);
    expect(verdictOf(a)).toBe("safe");
  });
});
