import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { safetensorsHeader } from "../../fixtures/safetensors-writer.js";
import { type ParsedSafetensors, parseSafetensorsHeader, SafetensorsError } from "../../src/read/safetensors.js";

/** Parses `header` as the whole header of a file with `dataLength` bytes of data after it. */
function parse(header: string | Buffer, dataLength = 0): ParsedSafetensors {
  const bytes = typeof header === "string" ? Buffer.from(header, "utf8") : header;
  return parseSafetensorsHeader(bytes, BigInt(bytes.length), 8 + bytes.length + dataLength);
}

function failure(run: () => unknown): SafetensorsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw error;
  }
  throw new Error("expected a SafetensorsError");
}

const rejection = (header: string | Buffer, dataLength = 0) => failure(() => parse(header, dataLength));

function entry(dtype: string, shape: readonly (number | string)[], offsets: readonly (number | string)[]): string {
  return `{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[${offsets.join(",")}]}`;
}

const F32_2 = entry("F32", [2], [0, 8]);

describe("parseSafetensorsHeader: the reference unit tests (safetensors/src/tensor.rs)", () => {
  it("test_header_too_large: a huge length field fails before the header is looked at", () => {
    const error = failure(() => parseSafetensorsHeader(new Uint8Array(0), 0xffffffff_00000000n, 100));
    expect(error.code).toBe("HeaderTooLarge");
  });

  it("test_header_too_small: empty input", () => {
    expect(failure(() => parseSafetensorsHeader(new Uint8Array(0), 0n, 0)).code).toBe("HeaderTooSmall");
  });

  it("test_invalid_header_length: 60 declared, nothing present", () => {
    expect(failure(() => parseSafetensorsHeader(new Uint8Array(0), 60n, 8)).code).toBe("InvalidHeaderLength");
  });

  it("test_invalid_header_non_utf8", () => {
    const error = rejection(Buffer.from([0xff]));
    expect(error.code).toBe("InvalidHeader");
    expect(error.message).toMatch(/invalid UTF-8 in header/);
  });

  it("test_invalid_header_not_json", () => {
    expect(rejection("{").code).toBe("InvalidHeaderDeserialization");
  });

  it("test_whitespace_padded_header: trailing \\r, space, \\t, \\n", () => {
    const parsed = parse("{}\r \t\n");
    expect(parsed.tensors).toEqual([]);
    expect(parsed.findings).toEqual([]);
  });

  it("test_whitespace_leading_padded_header: accepted, with a safe note", () => {
    const parsed = parse(`\r \t\n{"a":${F32_2}}`, 8);
    expect(parsed.tensors.map((t) => t.name)).toEqual(["a"]);
    expect(parsed.findings).toEqual([expect.objectContaining({ severity: "safe", code: "leading-whitespace" })]);
  });

  it("test_zero_sized_tensor: shape [2,0] at [0,0]", () => {
    expect(parse(`{"a":${entry("F32", [2, 0], [0, 0])}}`).tensors).toEqual([
      { name: "a", dtype: "F32", shape: [2, 0], dataOffsets: [0, 0] },
    ]);
  });

  it("test_invalid_info: I32 [2,2] in 4 bytes", () => {
    expect(rejection(`{"a":${entry("I32", [2, 2], [0, 4])}}`, 4).code).toBe("TensorInvalidInfo");
  });

  it("test_validation_overflow: element count or bit count beyond u64", () => {
    expect(rejection(`{"a":${entry("F32", [2, "18446744073709551614"], [0, 16])}}`, 16).code).toBe(
      "ValidationOverflow",
    );
    expect(rejection(`{"a":${entry("F32", [2, "9223372036854775807"], [0, 16])}}`, 16).code).toBe("ValidationOverflow");
  });

  it("test_metadata_incomplete_buffer: extra bytes are a finding, missing bytes an error", () => {
    const header = `{"a":${entry("F32", [2, 2], [0, 16])}}`;
    const longer = parse(header, 16 + 4);
    expect(longer.error).toBeNull();
    expect(longer.tensors).toHaveLength(1);
    const shorter = parse(header, 16 - 2);
    expect(shorter.error?.code).toBe("MetadataIncompleteBuffer");
    expect(shorter.tensors).toHaveLength(1);
  });

  it("test_json_attack: ten tensors sharing one byte range", () => {
    const tensors = Array.from({ length: 10 }, (_, i) => `"t${i}":${entry("F32", [2, 2], [0, 16])}`);
    const error = rejection(`{${tensors.join(",")}}`, 16);
    expect(error.code).toBe("InvalidOffset");
    expect(error.message).toMatch(/invalid offset for tensor `t\d`/);
  });

  it("test_empty_shapes_allowed: a 0-rank F32 in 4 bytes", () => {
    expect(parse(`{"a":${entry("F32", [], [0, 4])}}`, 4).tensors[0]?.shape).toEqual([]);
  });
});

describe("parseSafetensorsHeader: reference behaviour on edge cases", () => {
  it("keeps the last of duplicate tensor keys and reports the duplicate", () => {
    const parsed = parse(`{"a":${entry("F16", [2], [0, 4])},"a":${entry("F32", [1], [0, 4])}}`, 4);
    expect(parsed.tensors).toEqual([{ name: "a", dtype: "F32", shape: [1], dataOffsets: [0, 4] }]);
    expect(parsed.findings).toEqual([expect.objectContaining({ severity: "suspicious", code: "duplicate-key" })]);
  });

  it("still requires the overridden copy of a duplicate key to be a valid entry", () => {
    expect(rejection(`{"a":${entry("F128", [2], [0, 4])},"a":${F32_2}}`, 8).code).toBe("InvalidHeaderDeserialization");
  });

  it("rejects a duplicate __metadata__ and a duplicate field inside a tensor entry", () => {
    expect(rejection('{"__metadata__":{},"__metadata__":{}}').message).toMatch(/duplicate field `__metadata__`/);
    const twice = `{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`;
    expect(rejection(twice, 8).message).toMatch(/duplicate field `dtype`/);
  });

  it("accepts unknown fields in a tensor entry, with a safe note", () => {
    const parsed = parse(
      `{"a":{"dtype":"F32","evil":{"x":[1,2.5e3,"y",null,true]},"shape":[2],"data_offsets":[0,8]}}`,
      8,
    );
    expect(parsed.tensors).toHaveLength(1);
    expect(parsed.findings).toEqual([expect.objectContaining({ severity: "safe", code: "unknown-field" })]);
    expect(parsed.findings[0]?.message).toContain("`evil` in `a`");
  });

  it("reports missing fields", () => {
    expect(rejection('{"a":{"dtype":"F32","shape":[2]}}').message).toMatch(/missing field `data_offsets`/);
  });

  it("accepts __metadata__: null and a string map, nothing else", () => {
    expect(parse('{"__metadata__":null}').metadata).toBeNull();
    expect(parse('{"__metadata__":{"format":"pt","ss_network_dim":"16"}}').metadata).toEqual({
      format: "pt",
      ss_network_dim: "16",
    });
    expect(rejection('{"__metadata__":{"ss_steps":1000}}').code).toBe("InvalidHeaderDeserialization");
    expect(rejection('{"__metadata__":{"x":{"nested":"y"}}}').code).toBe("InvalidHeaderDeserialization");
    expect(rejection('{"__metadata__":[]}').code).toBe("InvalidHeaderDeserialization");
  });

  it("fails a UTF-8 BOM at the JSON step, as the reference does", () => {
    const error = rejection(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]));
    expect(error.code).toBe("InvalidHeaderDeserialization");
  });

  it.each(["1.0", "1e0", "-0", "-4", "18446744073709551616", "02", "0x10"])(
    "rejects %s in shape and in data_offsets",
    (number) => {
      expect(rejection(`{"a":${entry("U8", [number], [0, 1])}}`, 1).code).toBe("InvalidHeaderDeserialization");
      expect(rejection(`{"a":${entry("U8", [1], [0, number])}}`, 1).code).toBe("InvalidHeaderDeserialization");
    },
  );

  it("reads 2^53+1 exactly (JSON.parse would round it to 2^53), then refuses it as unrepresentable", () => {
    // With rounding, shape and offsets below would agree; read exactly they differ by one byte.
    expect(rejection(`{"a":${entry("U8", ["9007199254740993"], [0, "9007199254740992"])}}`).code).toBe(
      "TensorInvalidInfo",
    );
    const exact = rejection(`{"a":${entry("U8", ["9007199254740993"], [0, "9007199254740993"])}}`);
    expect(exact.code).toBe("InvalidHeaderDeserialization");
    expect(exact.message).toMatch(/above 2\^53/);
  });

  it("accepts the largest exact integer, 2^53−1, in a shape", () => {
    const parsed = parse(`{"a":${entry("U8", [0, "9007199254740991"], [0, 0])}}`);
    expect(parsed.tensors[0]?.shape).toEqual([0, Number.MAX_SAFE_INTEGER]);
  });

  it("rejects NaN, data_offsets of length 3 and trailing characters", () => {
    expect(rejection(`{"a":${entry("U8", ["NaN"], [0, 1])}}`, 1).code).toBe("InvalidHeaderDeserialization");
    expect(rejection(`{"a":${entry("U8", [1], [0, 1, 2])}}`, 1).message).toMatch(/invalid length 3/);
    expect(rejection(`{"a":${entry("U8", [1], [0])}}`, 1).message).toMatch(/invalid length 1/);
    expect(rejection("{} x").message).toMatch(/trailing characters/);
  });

  it("rejects JSON that JSON.parse would also reject, and some it would not", () => {
    for (const bad of ["[]", '"x"', "", "{,}", '{"a":1,}', "{'a':1}", '{"a"}', `{"a":${F32_2},}`, '{"\x01":1}']) {
      expect(rejection(bad).code, bad).toBe("InvalidHeaderDeserialization");
    }
    // A lone surrogate escape is fine for JSON.parse; serde_json refuses it.
    expect(rejection('{"__metadata__":{"k":"\\ud800"}}').message).toMatch(/surrogate/);
  });

  it("decodes escaped keys before matching them", () => {
    const parsed = parse(`{"\\u0061":${F32_2},"__meta\\u0064ata__":{"k\\n":"\\"v\\u00e9\\ud83d\\ude00"}}`, 8);
    expect(parsed.tensors.map((t) => t.name)).toEqual(["a"]);
    expect(parsed.metadata).toEqual({ "k\n": '"vé😀' });
  });

  it("treats __proto__, constructor and hasOwnProperty as ordinary names", () => {
    const names = ["__proto__", "constructor", "hasOwnProperty"];
    const header = names.map((name, i) => `"${name}":${entry("F32", [1], [i * 4, i * 4 + 4])}`);
    const parsed = parse(`{"__metadata__":{"__proto__":"x","constructor":"y"},${header.join(",")}}`, 12);
    expect(parsed.tensors.map((t) => t.name)).toEqual(names);
    expect(Object.keys(parsed.metadata!)).toEqual(["__proto__", "constructor"]);
    expect(parsed.metadata!.__proto__).toBe("x");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "x")).toBe(false);
  });

  it("rejects a dtype named like an Object.prototype member", () => {
    expect(rejection(`{"a":${entry("constructor", [1], [0, 1])}}`, 1).code).toBe("InvalidHeaderDeserialization");
  });

  it("rejects a header that is not an object", () => {
    expect(rejection("[1]").code).toBe("InvalidHeaderDeserialization");
  });

  it("accepts {} with no data", () => {
    expect(parse("{}")).toMatchObject({ tensors: [], metadata: null, findings: [], error: null, declaredSize: 10 });
  });

  it("accepts the struct-as-array form serde allows, and flags it", () => {
    const parsed = parse('{"a":["F32",[2],[0,8]]}', 8);
    expect(parsed.tensors).toEqual([{ name: "a", dtype: "F32", shape: [2], dataOffsets: [0, 8] }]);
    expect(parsed.findings).toEqual([expect.objectContaining({ severity: "suspicious", code: "nonstandard-header" })]);
    expect(rejection('{"a":["F32",[2]]}', 8).message).toMatch(/invalid length 2/);
    expect(rejection('{"a":["F32",[2],[0,8],1]}', 8).code).toBe("InvalidHeaderDeserialization");
  });
});

describe("parseSafetensorsHeader: reference check order", () => {
  it("checks UTF-8 before JSON", () => {
    expect(rejection(Buffer.from([0x7b, 0xff, 0x7d])).code).toBe("InvalidHeader");
  });

  it("finishes JSON deserialization before any offset check", () => {
    const header = `{"a":${entry("F32", [2], [4, 12])},"b":${entry("F128", [2], [0, 4])}}`;
    expect(rejection(header, 12).code).toBe("InvalidHeaderDeserialization");
  });

  it("walks tensors sorted by offsets, so the first bad tensor in data order decides", () => {
    // In header order `late` (a hole) comes first; in data order `early` is checked first and is wrongly sized.
    const header = `{"late":${entry("F32", [1], [100, 104])},"early":${entry("F32", [3], [0, 8])}}`;
    expect(rejection(header, 104).code).toBe("TensorInvalidInfo");
    const ordered = `{"late":${entry("F32", [1], [12, 16])},"early":${entry("F32", [3], [0, 12])}}`;
    expect(parse(ordered, 16).tensors.map((t) => t.name)).toEqual(["late", "early"]);
  });

  it("reports holes, overlaps and reversed ranges as InvalidOffset naming the tensor", () => {
    expect(rejection(`{"a":${entry("U8", [1], [0, 1])},"b":${entry("U8", [1], [2, 3])}}`, 3).message).toMatch(/`b`/);
    expect(rejection(`{"a":${entry("U8", [2], [0, 2])},"b":${entry("U8", [2], [1, 3])}}`, 3).message).toMatch(/`b`/);
    expect(rejection(`{"a":${entry("U8", [0], [1, 0])}}`, 1).code).toBe("InvalidOffset");
    expect(rejection(`{"a":${entry("U8", [1], [1, 2])}}`, 2).code).toBe("InvalidOffset");
  });

  it("applies bit sizes: F4 and F6 must fill whole bytes (MisalignedSlice)", () => {
    expect(parse(`{"a":${entry("F4", [2], [0, 1])}}`, 1).tensors[0]?.dtype).toBe("F4");
    expect(rejection(`{"a":${entry("F4", [3], [0, 2])}}`, 2).code).toBe("MisalignedSlice");
    expect(parse(`{"a":${entry("F6_E2M3", [4], [0, 3])}}`, 3).tensors).toHaveLength(1);
    expect(rejection(`{"a":${entry("F6_E3M2", [2], [0, 2])}}`, 2).code).toBe("MisalignedSlice");
  });

  it("checks that integers fit a JS number only after the reference checks pass", () => {
    // A zero-element tensor with a 2^60 dimension passes the reference; sdmodels cannot represent it exactly.
    const error = rejection(`{"a":${entry("U8", [0, "1152921504606846976"], [0, 0])}}`);
    expect(error.code).toBe("InvalidHeaderDeserialization");
    expect(error.message).toMatch(/2\^53/);
  });
});

describe("parseSafetensorsHeader: bounded work on hostile headers", () => {
  it("refuses a 5×10^6-deep array with an error instead of exhausting the stack", () => {
    const depth = 5_000_000;
    const header = `{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    const error = rejection(header, 1);
    expect(error.code).toBe("InvalidHeaderDeserialization");
    expect(error.message).toMatch(/recursion limit exceeded/);
  });

  it("mirrors serde_json's nesting limit: 127 open containers, counting the header object", () => {
    const nested = (levels: number) =>
      `{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"x":${"[".repeat(levels)}${"]".repeat(levels)}}}`;
    expect(parse(nested(125), 1).tensors).toHaveLength(1);
    expect(rejection(nested(126), 1).message).toMatch(/recursion limit exceeded/);
  });

  it("parses a 1,000-tensor header written like the reference writer does, in order", () => {
    const specs = Array.from({ length: 1000 }, (_, i) => ({
      name: `model.diffusion_model.block.${i}.weight`,
      shape: [320, i + 1],
    }));
    const { header, dataLength } = safetensorsHeader(specs, { format: "pt" });
    const parsed = parse(header, dataLength);
    expect(parsed.error).toBeNull();
    expect(parsed.findings).toEqual([]);
    expect(parsed.tensors).toHaveLength(1000);
    expect(parsed.tensors[999]).toMatchObject({
      name: "model.diffusion_model.block.999.weight",
      dtype: "F16",
      shape: [320, 1000],
    });
    expect(parsed.declaredSize).toBe(8 + header.length + dataLength);
  });
});

describe("parseSafetensorsHeader: the writer layout and every other layout read alike", () => {
  /** The same entry with its fields in another order, which the general reader handles. */
  function reordered(
    dtype: string,
    shape: readonly (number | string)[],
    offsets: readonly (number | string)[],
  ): string {
    return `{"data_offsets":[${offsets.join(",")}],"shape":[${shape.join(",")}],"dtype":"${dtype}"}`;
  }

  it.each([
    ["plain", "a", "F16", [2, 3], [0, 12], 12],
    ["a scalar", "s", "F32", [], [0, 4], 4],
    ["zero-sized", "z", "BF16", [0, 999_999_999_999_999], [0, 0], 0],
    ["15-digit offsets", "big", "U8", [1], [999_999_999_999_999, 1_000_000_000_000_000], 1_000_000_000_000_000],
    ["16 digits, still below 2^53", "n", "U8", [0, 1_000_000_000_000_000], [0, 0], 0],
    ["an escaped name", "caf\\u00e9", "I8", [1], [0, 1], 1],
  ])("%s", (_, name, dtype, shape, offsets, dataLength) => {
    const [begin] = offsets;
    // A leading U8 tensor makes the offsets start at 0 when the case itself does not.
    const pad = begin === 0 ? "" : `"pad":${entry("U8", [begin!], [0, begin!])},`;
    const writer = parse(`{${pad}"${name}":${entry(dtype, shape, offsets)}}`, dataLength);
    const general = parse(`{${pad}"${name}" : ${reordered(dtype, shape, offsets)}}`, dataLength);
    const { headerLength: _w, declaredSize: _wd, ...writerResult } = writer;
    const { headerLength: _g, declaredSize: _gd, ...generalResult } = general;
    expect(writerResult).toEqual(generalResult);
    expect(writer.tensors.at(-1)).toEqual({ name: JSON.parse(`"${name}"`), dtype, shape, dataOffsets: offsets });
  });

  it("accepts JSON whitespace between every token of the writer layout, and nothing else as whitespace", () => {
    const spaced = '{ "a" :\t{ "dtype" :\n"F32" ,\r"shape" : [ 2 ] , "data_offsets" : [ 0 , 8 ] } }';
    expect(parse(spaced, 8).tensors).toEqual([{ name: "a", dtype: "F32", shape: [2], dataOffsets: [0, 8] }]);
    expect(rejection('{"a":{"dtype":"F32","shape":[\u00a02],"data_offsets":[0,8]}}', 8).code).toBe(
      "InvalidHeaderDeserialization",
    );
  });

  it("refuses in the writer layout what the general reader refuses", () => {
    expect(rejection(`{"a":${entry("F32", ["02"], [0, 8])}}`, 8).message).toMatch(/invalid number/);
    expect(rejection(`{"a":${entry("F32", [2], ["-0", 8])}}`, 8).message).toMatch(/unsigned integer/);
    expect(rejection(`{"a":${entry("F128", [2], [0, 16])}}`, 16).message).toMatch(
      /unsupported dtype `F128` for tensor `a`/,
    );
    expect(rejection(`{"__metadata__":${F32_2}}`, 8).message).toMatch(
      /expected a string for `__metadata__` key `shape`/,
    );
  });
});

describe("parseSafetensorsHeader: nothing returned keeps the header text alive", () => {
  it("keeps a metadata value without the 60 MB of 100 headers it was read from", () => {
    // Heap use, not V8 internals: were it a slice of the header text, each kept value would keep its whole header.
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    // Under 1 MB each, so Node decodes them onto the V8 heap (larger strings are external, outside heapUsed).
    const built = Array.from({ length: 100 }, (_, i) =>
      safetensorsHeader(
        Array.from({ length: 4000 }, (_, t) => ({ name: `${"x".repeat(80)}.${i}.${t}`, dtype: "U8", shape: [1] })),
        { note: `a metadata value longer than thirteen characters, file ${i}` },
      ),
    );
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = built.map(({ header, dataLength }) => parse(header, dataLength).metadata!.note!);
    gc();
    expect(kept[99]).toBe("a metadata value longer than thirteen characters, file 99");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10e6);
  });
});
