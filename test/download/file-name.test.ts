import { describe, expect, it } from "vitest";
import {
  chooseFileName,
  fileNameFromContentDisposition,
  MAX_FILE_NAME_BYTES,
  redecodeLatin1,
  sanitizeFileName,
} from "../../src/download/file-name.js";

describe("sanitizeFileName", () => {
  const cases: Array<[string, string | null]> = [
    ["model.safetensors", "model.safetensors"],
    ["../../etc/passwd", "passwd"],
    ["a/b", "b"],
    ["a\\b.ckpt", "b.ckpt"],
    ["..", null],
    ["...", null],
    ["/", null],
    [".bashrc", "bashrc"],
    ["evil\u0000name\n.pt", "evilname.pt"],
    ["x\u001b[31mred.bin", "x[31mred.bin"],
    ["photo\u202egpj.exe", "photogpj.exe"],
    ['what?:*"<>|.safetensors', "what_______.safetensors"],
    ["NUL.safetensors", "_NUL.safetensors"],
    ["com1", "_com1"],
    ["trailing. . .", "trailing"],
    ["  spaced.bin  ", "spaced.bin"],
    ["café.safetensors", "café.safetensors"],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it("shortens long names to the byte limit and keeps the extension", () => {
    const name = sanitizeFileName(`${"é".repeat(300)}.safetensors`)!;
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(name.endsWith(".safetensors")).toBe(true);
    expect(name.startsWith("éé")).toBe(true);
    expect(name).not.toContain("\ufffd");
  });
});

describe("file names from headers", () => {
  it("prefers filename* (RFC 5987) and re-decodes a plain filename holding UTF-8 bytes", () => {
    expect(
      fileNameFromContentDisposition(
        `attachment; filename="fallback.bin"; filename*=UTF-8''caf%C3%A9%20%E2%9C%93.safetensors`,
      ),
    ).toBe("café ✓.safetensors");
    expect(
      fileNameFromContentDisposition(`attachment; filename="${Buffer.from("café.safetensors").toString("latin1")}"`),
    ).toBe("café.safetensors");
    expect(redecodeLatin1("caf\u00e9")).toBe("caf\u00e9"); // genuine latin-1 that is not UTF-8 stays
  });

  it("falls back to the redirect's response-content-disposition, then to the URL path", () => {
    const location =
      `https://storage.example/abc?response-content-disposition=` +
      `${encodeURIComponent('attachment; filename="from-s3.safetensors"')}`;
    expect(chooseFileName({ redirects: [location], url: "https://storage.example/abc" })).toBe("from-s3.safetensors");
    expect(chooseFileName({ url: "https://h.example/dir/my%20model.ckpt?x=1" })).toBe("my model.ckpt");
    expect(
      chooseFileName({ contentDisposition: 'attachment; filename="../../etc/m.ckpt"', url: "https://h.example/x.bin" }),
    ).toBe("m.ckpt");
    // A server-chosen name that is no model file (a config the WebUI would pair with a checkpoint,
    // our own .part) is ignored.
    expect(
      chooseFileName({ contentDisposition: 'attachment; filename="../../etc/passwd"', url: "https://h.example/x.bin" }),
    ).toBe("x.bin");
    expect(
      chooseFileName({ contentDisposition: 'attachment; filename="c.yaml"', url: "https://h.example/x.bin" }),
    ).toBe("x.bin");
    expect(
      chooseFileName({
        contentDisposition: 'attachment; filename="m.safetensors.part"',
        url: "https://h.example/x.bin",
      }),
    ).toBe("x.bin");
    expect(chooseFileName({ contentDisposition: 'attachment; filename=".."', url: "https://h.example/x.bin" })).toBe(
      "x.bin",
    );
    expect(chooseFileName({ url: "https://h.example/" })).toBeNull();
  });
});
