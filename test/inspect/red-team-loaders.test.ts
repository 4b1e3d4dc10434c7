import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PickleBuilder } from "../../fixtures/pickle-builder.js";
import { type TarMemberSpec, tarArchive } from "../../fixtures/tar-writer.js";
import { legacyTorchFile, writeLayout } from "../../fixtures/torch-legacy-writer.js";
import { torchTarMembers } from "../../fixtures/torch-tar-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs, useTempFiles } from "../helpers.js";

/**
 * Red team, worked from what the loaders do (CPython's unpickler, torch/serialization.py `legacy_load` and
 * `_legacy_load`), not from the inspector: files that run code in some loader yet were not called dangerous.
 */

const tempDir = useTempDirs();

const tempFile = useTempFiles();
const inspectBytes = async (name: string, bytes: Uint8Array) => inspectFile(await tempFile(name, bytes));

const payload = (b = new PickleBuilder().proto(2)) =>
  b.global("posix", "system").binunicode("echo harmless").tuple1().reduce().stop();
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe("red team: loaders run code the inspector did not call dangerous", () => {
  it("an unknown file opening with LONG4 (CPython takes it, we don't) still shows the import after it", async () => {
    // LONG4 of zero bytes is the int 0 to CPython; POP drops it and the payload runs.
    const bytes = concat(Uint8Array.of(0x8b, 0, 0, 0, 0, 0x30), payload(new PickleBuilder()).bytes());
    const inspection = await inspectBytes("model.ckpt", bytes);
    expect(inspection.safety.verdict).toBe("dangerous");
  });

  it("a tar whose storage count is True (range(True) is one record) still has its records scanned", async () => {
    const members = torchTarMembers({ tensors: [["w", 4]], storageRecord: payload().bytes() });
    const storages = members.find((m) => m.name === "storages")!;
    const count = new PickleBuilder().proto(2).binint1(1).stop().bytes();
    const asTrue = new PickleBuilder().proto(2).newTrue().stop().bytes();
    const data = concat(asTrue, storages.data!.subarray(count.length));
    const inspection = await inspectBytes(
      "model.pt",
      tarArchive(members.map((m) => (m === storages ? { ...m, data } : m))),
    );
    expect(inspection.safety.verdict).toBe("dangerous");
  });

  it("a storage record naming a storage class the reader cannot size hides what follows: fails closed", async () => {
    const members = torchTarMembers({
      tensors: [["w", 4]],
      storageRecord: new PickleBuilder()
        .proto(2)
        .binint2(1000)
        .binunicode("cpu")
        .global("torch.cuda", "FloatStorage")
        .tuple3()
        .stop()
        .bytes(),
      objectPickle: payload().bytes(),
    });
    const inspection = await inspectBytes("model.pt", tarArchive(members));
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.imports.map((i) => i.resolved)).toContain("posix.system");
  });

  it("a GNU sparse member is extracted like a regular one: a payload in it is found", async () => {
    const members: TarMemberSpec[] = torchTarMembers({ tensors: [["w", 4]] }).map((m) =>
      m.name === "pickle" ? { ...m, type: "S", data: payload().bytes() } : m,
    );
    const inspection = await inspectBytes("model.pt", tarArchive(members));
    expect(inspection.safety.verdict).toBe("dangerous");
  });
});

describe("red team: ordinary files called worse than they are", () => {
  it("a pretty-printed safetensors whose length byte reads as GLOBAL is not judged by that pickle read", async () => {
    // Header length 0x163: the first byte is `c` (GLOBAL); the two newlines end an unimportable module and name.
    const body = '{\n"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}\n';
    const header = `${body.padEnd(0x163 - 1, " ")}}`;
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
    expect(prefix[0]).toBe(0x63);
    const inspection = await inspectBytes(
      "model.safetensors",
      concat(prefix, new TextEncoder().encode(header), new Uint8Array(4)),
    );
    expect(inspection.format).toBe("safetensors");
    expect(inspection.safety.findings.filter((f) => f.severity !== "safe")).toEqual([]);
    expect(inspection.safety.verdict).toBe("safe");
  });
});

describe("red team: a sixth pickle.load", () => {
  it("a legacy file without storages, then another pickle: that pickle is scanned (no records between)", async () => {
    const layout = legacyTorchFile({ dict: [["step", 1]] }, { trailing: payload().bytes() });
    const path = join(await tempDir(), "model.pt");
    await writeLayout(path, layout);
    const inspection = await inspectFile(path);
    expect(inspection.format).toBe("torch-legacy");
    expect(inspection.safety.verdict).toBe("dangerous");
  });
});
