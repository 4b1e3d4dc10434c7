import { describe, expect, it } from "vitest";
import { undoRefusalText, undoReport } from "../../src/cli/report/undo-report.js";
import type { UndoRefusal } from "../../src/install/types.js";

const LORA = "/sd/models/Lora/a.safetensors";

describe("undo refusal words", () => {
  it("makes each refusal's words from its code and fields alone", () => {
    const refusals: UndoRefusal[] = [
      { code: "installed-gone", path: LORA },
      { code: "original-occupied", path: LORA, original: "/dl/a.safetensors" },
      { code: "dangerous", path: LORA, original: "/dl/a.safetensors" },
      { code: "kept-with-model", path: "/sd/models/Lora/a.preview.png", model: LORA },
      {
        code: "restore-failed",
        path: LORA,
        errorCode: "ENOTDIR",
        message: "ENOTDIR: not a directory, mkdir '/dl/sub'",
      },
    ];
    expect(refusals.map(undoRefusalText)).toEqual([
      "the installed file is gone",
      "the original path /dl/a.safetensors is occupied; left in place",
      "dangerous (code runs when it is loaded): left here, not put back at /dl/a.safetensors",
      `kept with its model ${LORA}`,
      "ENOTDIR: not a directory, mkdir '/dl/sub'",
    ]);
  });

  it("keeps --json's keys (path, reason, dangerous) first and adds the code and its fields after them", () => {
    const json = undoReport({
      batchId: "b",
      restored: [],
      refused: [
        { code: "dangerous", path: LORA, original: "/dl/a.safetensors" },
        { code: "installed-gone", path: "/sd/gone.safetensors" },
      ],
    });
    expect(json.refused.map((r) => Object.keys(r))).toEqual([
      ["path", "reason", "dangerous", "code", "original"],
      ["path", "reason", "code"],
    ]);
    expect(json.refused[0]).toMatchObject({ dangerous: true, code: "dangerous", original: "/dl/a.safetensors" });
  });
});
