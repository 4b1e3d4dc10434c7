import { describe, expect, it } from "vitest";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempFiles } from "../helpers.js";

const tempFile = useTempFiles();
const inspectBytes = async (name: string, bytes: string | Buffer) => inspectFile(await tempFile(name, bytes));

// torch.load unpickles any file that is not a zip: a pickle without a PROTO opcode runs just as well.
describe("protocol-0/1 pickles (no PROTO opcode)", () => {
  it("judges a text-protocol payload saved as .ckpt dangerous, with the import listed", async () => {
    const inspection = await inspectBytes("model.ckpt", "cposix\nsystem\n(S'echo pwned'\ntR.");
    expect(inspection.safety.verdict).toBe("dangerous");
    expect(inspection.safety.imports.map((i) => i.resolved)).toContain("posix.system");
  });

  it("reads a benign protocol-0 dict as a pickle, never as safe (outside the weights-only grammar)", async () => {
    const inspection = await inspectBytes("tiny.pt", "(dp0\nS'step'\np1\nI1\ns.");
    expect(inspection.format).toBe("pickle");
    expect(inspection.error).toBeNull();
    expect(inspection.safety.verdict).toBe("suspicious");
  });

  it("keeps explaining a file no pickle reading can parse as an unknown format", async () => {
    const inspection = await inspectBytes("notes.bin", "Some notes\nthat are not a model\n");
    expect(inspection.format).toBe("unknown");
    expect(inspection.error?.code).toBe("unknown-format");
    expect(inspection.safety.verdict).not.toBe("safe");
  });
});
