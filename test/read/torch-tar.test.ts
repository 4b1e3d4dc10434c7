import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { PickleBuilder } from "../../fixtures/pickle-builder.js";
import { safetensorsTar, type TarMemberSpec, tarArchive } from "../../fixtures/tar-writer.js";
import { torchTarMembers } from "../../fixtures/torch-tar-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readTorchTar } from "../../src/read/torch-tar.js";
import { useTempFiles } from "../helpers.js";

const payload = () => systemCallPickle("echo harmless");
const TENSORS = [
  ["conv.weight", 16],
  ["conv.bias", 4],
] as const;

const write = useTempFiles();

async function readTar(members: TarMemberSpec[]) {
  const source = await openFileSource(await write("model.pt", tarArchive(members)));
  try {
    const result = await readTorchTar(source);
    return { result, verdict: buildSafetyReport(result.findings, result.imports).verdict };
  } finally {
    await source.close();
  }
}

describe("torch's tar format (torch.load tries it first for every non-zip file)", () => {
  it("follows storages, tensors and pickle as legacy_load does; a benign file is not dangerous", async () => {
    const { result, verdict } = await readTar(torchTarMembers({ tensors: TENSORS }));
    expect(result.format).toBe("torch-tar");
    expect(result.error).toBeNull();
    // torch.FloatTensor classes in the tensor records need trusting; weights_only refuses this format outright.
    expect(verdict).toBe("suspicious");
    expect(result.findings.filter((f) => f.severity === "dangerous")).toEqual([]);
    expect(result.imports.map((i) => i.resolved)).toEqual(
      expect.arrayContaining(["torch.FloatStorage", "torch.FloatTensor"]),
    );
  });

  it("a payload in the pickle member is dangerous", async () => {
    const { verdict, result } = await readTar(torchTarMembers({ tensors: TENSORS, objectPickle: payload() }));
    expect(verdict).toBe("dangerous");
    expect(result.imports.map((i) => i.resolved)).toContain("posix.system");
  });

  it("a payload in a storage record pickle is dangerous (torch unpickles it before the object)", async () => {
    const { verdict } = await readTar(torchTarMembers({ tensors: TENSORS, storageRecord: payload() }));
    expect(verdict).toBe("dangerous");
  });

  it("the last member of a name is the one torch reads, and every other pickle-like member is scanned", async () => {
    const members = torchTarMembers({ tensors: TENSORS });
    const shadowed = await readTar([
      { name: "pickle", data: new PickleBuilder().proto(2).emptyDict().stop().bytes() },
      ...members.slice(0, 1),
      { name: "pickle", data: payload() },
      ...members.slice(2),
    ]);
    expect(shadowed.verdict).toBe("dangerous");
    const extra = await readTar([...members, { name: "notes.pkl", data: payload() }]);
    expect(extra.verdict).toBe("dangerous");
  });

  it("a member torch extracts that is a link is dangerous; a missing member is invalid", async () => {
    const members = torchTarMembers({ tensors: TENSORS }).filter((m) => m.name !== "storages");
    const link = await readTar([...members, { name: "storages", type: "2", linkName: "/etc/passwd" }]);
    expect(link.verdict).toBe("dangerous");
    const missing = await readTar(members);
    expect(missing.result.error?.code).toBe("invalid");
    expect(missing.verdict).toBe("suspicious");
  });

  it("pax and GNU long-name headers rename the member they precede", async () => {
    const members = torchTarMembers({ tensors: TENSORS, objectPickle: payload() });
    const pickle = members.find((m) => m.name === "pickle")!;
    const rest = members.filter((m) => m !== pickle);
    const record = (key: string, value: string) => {
      const body = ` ${key}=${value}\n`;
      let length = body.length;
      while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
      return new TextEncoder().encode(`${length}${body}`);
    };
    const pax = await readTar([
      ...rest,
      { name: "PaxHeaders/x", type: "x", data: record("path", "pickle") },
      { ...pickle, name: "innocent" },
    ]);
    expect(pax.result.error).toBeNull();
    expect(pax.verdict).toBe("dangerous");
    const gnu = await readTar([
      ...rest,
      { name: "././@LongLink", type: "L", data: new TextEncoder().encode("pickle\0") },
      { ...pickle, name: "innocent" },
    ]);
    expect(gnu.result.error).toBeNull();
  });

  it("a safetensors file that is also a valid tar is judged as both: its tar payload makes it dangerous", async () => {
    const polyglot = safetensorsTar(torchTarMembers({ tensors: TENSORS, objectPickle: payload() }));
    const inspection = await inspectFile(await write("model.safetensors", polyglot));
    expect(inspection.format).toBe("safetensors");
    expect(inspection.error).toBeNull();
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.imports.map((i) => i.resolved)).toContain("posix.system");
    // The same construction with a benign archive inside is not called dangerous.
    const benign = await inspectFile(
      await write("ok.safetensors", safetensorsTar(torchTarMembers({ tensors: TENSORS }))),
    );
    expect(benign.safety.verdict).toBe("suspicious");
  });
});
