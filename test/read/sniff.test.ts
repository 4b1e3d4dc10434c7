import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { safetensorsHeader, writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { SNIFF_BYTES, sniffFormats } from "../../src/read/sniff.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

function lengthPrefix(n: number | bigint): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(n));
  return prefix;
}

/** Sniffs a buffer as the whole file. */
function sniff(bytes: Buffer | string): ReturnType<typeof sniffFormats> {
  const buffer = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  return sniffFormats(buffer.subarray(0, SNIFF_BYTES), buffer.length);
}

const LEGACY_MAGIC = Buffer.from("80028a0a6cfc9c46f9206aa850192e", "hex");

describe("sniffFormats", () => {
  it("reads a generated safetensors file from its first SNIFF_BYTES bytes on disk", async () => {
    const path = join(await tempDir(), "model.bin");
    await writeSafetensors(path, [{ name: "w", shape: [4, 4] }]);
    const source = await openFileSource(path);
    try {
      expect(sniffFormats(await source.read(0, SNIFF_BYTES), source.size)).toEqual(["safetensors"]);
    } finally {
      await source.close();
    }
  });

  it("accepts whitespace between the length field and `{`", () => {
    const header = Buffer.from(' \n\t\r{"__metadata__":{}}');
    expect(sniff(Buffer.concat([lengthPrefix(header.length), header]))).toEqual(["safetensors"]);
  });

  it("still sniffs a safetensors file whose download stopped inside the header", () => {
    const { header } = safetensorsHeader([{ name: "w", shape: [4] }]);
    const whole = Buffer.concat([lengthPrefix(header.length), header]);
    expect(sniff(whole.subarray(0, 20))).toEqual(["safetensors"]);
  });

  it("rejects safetensors lengths that neither fit the file nor pass the reference's 100 MB cap", () => {
    expect(sniff(Buffer.concat([lengthPrefix(100_000_001), Buffer.from("{}")]))).toEqual(["unknown"]);
    expect(sniff(Buffer.concat([lengthPrefix(0), Buffer.from("{}")]))).toEqual(["unknown"]);
  });

  it("requires the `{` to lie inside the declared header", () => {
    // N = 2 covers only the two spaces; the brace belongs to the data buffer.
    expect(sniff(Buffer.concat([lengthPrefix(2), Buffer.from("  {}")]))).toEqual(["unknown"]);
  });

  it("recognises a torch zip by the same 4 bytes torch compares", () => {
    expect(sniff(Buffer.concat([Buffer.from("PK\x03\x04\x14\x00\x00\x00", "latin1"), Buffer.alloc(40)]))).toEqual([
      "torch-zip",
    ]);
  });

  it("recognises the legacy torch magic and does not also call it a bare pickle", () => {
    expect(sniff(Buffer.concat([LEGACY_MAGIC, Buffer.from("\x80\x02}q\x00.", "latin1")]))).toEqual(["torch-legacy"]);
  });

  it("recognises bare pickles of protocols 0x80 0x00 to 0x80 0x05 only", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      expect(sniff(Buffer.from([0x80, protocol, 0x7d, 0x71, 0x00, 0x2e]))).toEqual(["pickle"]);
    }
    expect(sniff(Buffer.from([0x80, 0x06, 0x7d, 0x2e]))).toEqual(["unknown"]);
  });

  it("returns every reading of a pickle-looking prefix that is also a valid safetensors length", () => {
    // 0x80 0x02 as the low bytes of the u64 is a 640-byte header.
    const header = Buffer.from("{}".padEnd(640, " "));
    const file = Buffer.concat([lengthPrefix(640), header]);
    expect(file.subarray(0, 2)).toEqual(Buffer.from([0x80, 0x02]));
    expect(sniff(file)).toEqual(["safetensors", "pickle"]);
  });

  it("returns both readings of a zip/safetensors polyglot", () => {
    // PK\x03\x04 read as a u64 is 67,324,752: a header length the reference would accept.
    const file = Buffer.concat([Buffer.from("PK\x03\x04\x00\x00\x00\x00{}", "latin1"), Buffer.alloc(30)]);
    expect(sniffFormats(file, 8 + 67_324_752)).toEqual(["torch-zip", "safetensors"]);
  });

  it("recognises GGUF, PYTORCH1, 7z and RAR magics", () => {
    // `G` (BINFLOAT) and `P` (PERSID) are opcodes: torch.load unpickles these files from byte 0 too.
    expect(sniff("GGUF\x03\x00\x00\x00")).toEqual(["gguf", "pickle"]);
    expect(sniff("PYTORCH1\x00\x00")).toEqual(["pytorch1-preview", "pickle"]);
    expect(sniff(Buffer.from("377abcaf271c0004", "hex"))).toEqual(["7z"]);
    expect(sniff(Buffer.from("526172211a0700", "hex"))).toEqual(["rar", "pickle"]);
    expect(sniff(Buffer.from("526172211a070100", "hex"))).toEqual(["rar", "pickle"]);
  });

  it("recognises an HTML error page, also after a BOM or whitespace", () => {
    expect(sniff("<!DOCTYPE html><html>")).toEqual(["html"]);
    expect(sniff("\xef\xbb\xbf\r\n  <html lang=en>")).toEqual(["html"]);
  });

  it("recognises a JSON error body saved as a model", () => {
    expect(
      sniff('{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in"}'),
    ).toEqual(["json"]);
    expect(sniff('["x"]')).toEqual(["json"]);
  });

  it("says empty for a 0-byte file and unknown for anything else", () => {
    expect(sniffFormats(new Uint8Array(0), 0)).toEqual(["empty"]);
    expect(sniff("Hello world")).toEqual(["unknown"]);
    expect(sniff(Buffer.from([0x80]))).toEqual(["unknown"]);
  });

  it("adds a pickle reading to an unknown file starting with any opcode (CPython accepts any first opcode)", () => {
    expect(sniff("cposix\nsystem\n(S'echo pwned'\ntR.")).toEqual(["unknown", "pickle"]);
    expect(sniff("(dp0\nS'a'\np1\nI1\ns.")).toEqual(["unknown", "pickle"]);
    expect(sniff("}q\x00.")).toEqual(["unknown", "pickle"]);
    for (const first of [0x8c, 0x95, 0x88, 0x43, 0x8f, 0x68])
      expect(sniff(Buffer.from([first, 0x00]))).toEqual(["unknown", "pickle"]);
    // A byte that no pickle can start with stays unknown alone.
    expect(sniff("Hello world")).toEqual(["unknown"]);
    expect(sniff(Buffer.from([0x08, 0x01, 0x12]))).toEqual(["unknown"]);
  });
});
