import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointSpec, PickleBuilder } from "../../fixtures/pickle-builder.js";
import { LEGACY_MAGIC_PICKLE, legacyTorchFile, writeLayout } from "../../fixtures/torch-legacy-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs, useTempFiles } from "../helpers.js";

const tempDir = useTempDirs();

const tempFile = useTempFiles();
const inspectBytes = async (name: string, bytes: Uint8Array) => inspectFile(await tempFile(name, bytes));

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const payload = (b: PickleBuilder) => b.global("posix", "system").binunicode("echo harmless").tuple1().reduce().stop();
const CHECKPOINT = checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3] }]]);

describe("every pickle stream a loader can reach is interpreted", () => {
  it("a payload in a second pickle after STOP is dangerous (a second pickle.load on the handle runs it)", async () => {
    const first = new PickleBuilder().proto(2).emptyDict().stop().bytes();
    const inspection = await inspectBytes("model.pt", concat(first, payload(new PickleBuilder().proto(2)).bytes()));
    expect(inspection.format).toBe("pickle");
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.imports.map((i) => i.resolved)).toContain("posix.system");
    // Stacked benign pickles stay safe; bytes no pickle starts with are still trailing bytes.
    const benign = await inspectBytes("two.pt", concat(first, first, first));
    expect(benign.safety.verdict).toBe("safe");
    const trailing = await inspectBytes("junk.pt", concat(first, Uint8Array.of(0x00, 0x01)));
    expect(trailing.safety.findings.map((f) => f.code)).toEqual(["trailing-bytes"]);
  });

  it("the number of streams is bounded, failing closed", async () => {
    const none = new PickleBuilder().none().stop().bytes();
    const inspection = await inspectBytes("many.pt", concat(...Array.from({ length: 100 }, () => none)));
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.findings.map((f) => f.code)).toContain("unscannable");
  });

  it("an unknown-format file is interpreted whatever its first opcode (SHORT_BINUNICODE, FRAME, …)", async () => {
    const stackGlobal = new PickleBuilder()
      .shortBinunicode("posix")
      .shortBinunicode("system")
      .stackGlobal()
      .shortBinunicode("echo harmless")
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const starts = [
      stackGlobal,
      concat(new PickleBuilder().frame(stackGlobal.length).bytes(), stackGlobal),
      concat(new PickleBuilder().newTrue().pop().bytes(), stackGlobal),
      concat(new PickleBuilder().shortBinbytes(Uint8Array.of(1)).pop().bytes(), stackGlobal),
      concat(new PickleBuilder().emptySet().pop().bytes(), stackGlobal),
    ];
    for (const bytes of starts) {
      const inspection = await inspectBytes("model.ckpt", bytes);
      expect(inspection.safety.verdict, `first byte 0x${bytes[0]!.toString(16)}`).toBe("dangerous");
      expect(inspection.safety.imports.map((i) => i.resolved)).toContain("posix.system");
    }
    const benign = await inspectBytes("flag.pt", new PickleBuilder().newTrue().stop().bytes());
    expect(benign.format).toBe("pickle");
    expect(benign.error).toBeNull();
  });

  it("binary that only starts with an opcode byte is not judged by how it fails as a pickle", async () => {
    // 'G' is BINFLOAT: a GGUF file is a pickle reading that fails at once, importing nothing.
    const gguf = await inspectBytes(
      "model.gguf",
      concat(new TextEncoder().encode("GGUF"), Uint8Array.of(3, 0, 0, 0), new Uint8Array(56)),
    );
    // The GGUF reader owns it (a valid empty header: nothing to run); the failed pickle reading adds no finding.
    expect(gguf.format).toBe("gguf");
    expect(gguf.safety.verdict).toBe("safe");
    expect(gguf.safety.findings.map((f) => f.code)).toEqual(["trailing-bytes"]);
  });
});

describe("the legacy torch format is recognised by the value of its first pickle", () => {
  const magicAs = {
    "protocol 3": new PickleBuilder().proto(3).long1(0x1950a86a20f9469cfc6cn).stop().bytes(),
    "protocol 0 text": new PickleBuilder().longText("119547037146038801333356L").stop().bytes(),
    "protocol 4 framed": (() => {
      const body = new PickleBuilder().long1(0x1950a86a20f9469cfc6cn).stop().bytes();
      return concat(new PickleBuilder().proto(4).frame(body.length).bytes(), body);
    })(),
  };

  it.each(Object.entries(magicAs))(
    "magic number written with %s: read as legacy, and pickle #4 scanned",
    async (_, magic) => {
      expect(magic).not.toEqual(LEGACY_MAGIC_PICKLE);
      const layout = legacyTorchFile(CHECKPOINT, { replacePickle: { 1: magic } });
      const path = join(await tempDir(), "model.ckpt");
      await writeLayout(path, layout);
      const inspection = await inspectFile(path);
      expect(inspection.format).toBe("torch-legacy");
      expect(inspection.error).toBeNull();
      expect(inspection.tensors.map((t) => t.name)).toEqual(["state_dict.model.diffusion_model.out.2.weight"]);
      expect(inspection.safety.findings.filter((f) => f.severity === "dangerous")).toEqual([]);
      // A payload in pickle #5 is found: torch unpickles it after the object.
      const evil = legacyTorchFile(CHECKPOINT, {
        replacePickle: { 1: magic, 5: payload(new PickleBuilder().proto(2)).bytes() },
      });
      await writeLayout(path, evil);
      expect((await inspectFile(path)).safety.verdict).toBe("dangerous");
    },
  );
});
