import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import { openFileSource } from "../../src/read/byte-source.js";
import { readPlainPickle } from "../../src/read/plain-pickle.js";
import { useTempFiles } from "../helpers.js";

const tempFile = useTempFiles();

async function read(bytes: Uint8Array, name = "model.bin") {
  const source = await openFileSource(await tempFile(name, bytes));
  try {
    const result = await readPlainPickle(source);
    return { result, verdict: buildSafetyReport(result.findings, result.imports).verdict };
  } finally {
    await source.close();
  }
}

describe("readPlainPickle", () => {
  it("a plain dict of config values is safe and its values are kept", async () => {
    const { result, verdict } = await read(
      torchPickle(
        {
          dict: [
            ["lr", { float: 0.0001 }],
            ["steps", 1000],
            ["name", "run-3"],
          ],
        },
        { persistentIds: "zip" },
      ).bytes,
    );
    expect(result.format).toBe("pickle");
    expect(verdict).toBe("safe");
    expect(result.error).toBeNull();
    expect(result.values).toEqual({ lr: 0.0001, steps: 1000, name: "run-3" });
  });

  it("a payload in a .pt/.bin plain pickle is dangerous", async () => {
    const payload = systemCallPickle("echo harmless");
    const { result, verdict } = await read(payload, "model.pt");
    expect(verdict).toBe("dangerous");
    expect(result.imports).toEqual([
      { module: "posix", name: "system", resolved: "posix.system", verdict: "dangerous", offset: 2, count: 1 },
    ]);
  });

  it("a data.pkl out of its zip is not dangerous: without persistent_load, its first pid stops the load", async () => {
    const { result, verdict } = await read(
      torchPickle({ dict: [["w", { tensor: { shape: [2] } }]] }, { persistentIds: "zip" }).bytes,
      "data.pkl",
    );
    expect(verdict).toBe("suspicious");
    expect(result.error?.code).toBe("invalid");
  });

  it("trailing bytes and truncation are reported", async () => {
    const good = new PickleBuilder().proto(2).emptyDict().stop().bytes();
    const trailing = await read(new Uint8Array([...good, 0x00]));
    expect(trailing.result.findings.map((f) => f.code)).toEqual(["trailing-bytes"]);
    const cut = await read(good.subarray(0, 3));
    expect(cut.result.error?.code).toBe("invalid");
    expect(cut.verdict).toBe("suspicious");
  });
});
