import { describe, expect, it } from "vitest";
import { applyFailureText } from "../../src/cli/report/plan-messages.js";

const MOVE = { source: "/dl/a.safetensors", destination: "/sd/models/Lora/a.safetensors" };

describe("apply failure words", () => {
  it("names the move and says the code once, whether or not the error's own words start with it", () => {
    expect(applyFailureText({ ...MOVE, code: "ENOSPC", detail: "ENOSPC: no space left on device, write" })).toBe(
      "cannot install /dl/a.safetensors → /sd/models/Lora/a.safetensors: ENOSPC: no space left on device, write",
    );
    expect(
      applyFailureText({ ...MOVE, code: "destination-exists", detail: `${MOVE.destination} appeared since planning` }),
    ).toBe(
      "cannot install /dl/a.safetensors → /sd/models/Lora/a.safetensors: destination-exists: " +
        "/sd/models/Lora/a.safetensors appeared since planning",
    );
  });
});
