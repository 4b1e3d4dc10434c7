import { describe, expect, it } from "vitest";
import { FindingCollector } from "../../src/pickle/findings.js";

describe("FindingCollector", () => {
  it("keeps a finding's byte offset and repeat count as fields beside its sentence", () => {
    const findings = new FindingCollector("x/data.pkl");
    for (let i = 0; i < 3; i++) findings.add("suspicious", "non-weights-only-opcode", "POP is outside the grammar", 91);
    findings.add("dangerous", "dangerous-global", "imports posix.system", 2, "posix.system");
    findings.add("suspicious", "invalid", "no STOP");
    expect(findings.list()).toEqual([
      {
        severity: "suspicious",
        code: "non-weights-only-opcode",
        message: "x/data.pkl: POP is outside the grammar (offset 91), 3 times",
        summary: "x/data.pkl: POP is outside the grammar",
        offset: 91,
        times: 3,
      },
      {
        severity: "dangerous",
        code: "dangerous-global",
        message: "x/data.pkl: imports posix.system (offset 2)",
        summary: "x/data.pkl: imports posix.system",
        offset: 2,
        global: "posix.system",
      },
      { severity: "suspicious", code: "invalid", message: "x/data.pkl: no STOP" },
    ]);
  });
});
