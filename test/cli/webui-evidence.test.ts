import { describe, expect, it } from "vitest";
import { webuiEvidenceLine, webuiEvidenceText } from "../../src/cli/report/webui-evidence.js";
import type { WebuiEvidence } from "../../src/install/types.js";

const HOME = "/home/ana";

describe("WebUI evidence words", () => {
  it("makes every step's words from its fields alone", () => {
    const steps: WebuiEvidence[] = [
      { type: "ui-given", ui: "forge", by: "flag" },
      { type: "ui-given", ui: "comfyui", by: "config" },
      { type: "current-folder", dir: `${HOME}/sd`, above: true },
      { type: "remembered-folder", dir: `${HOME}/sd`, file: `${HOME}/.config/sdmodels/config.json` },
      { type: "markers", ui: "a1111", markers: ["modules/launch_utils.py"] },
      { type: "portable-package", package: "comfyui-portable", inner: "ComfyUI", beside: "python_embeded/" },
      { type: "models-folder", style: "comfyui", folders: ["checkpoints", "loras"] },
      { type: "also-detected", evidence: { type: "markers", ui: "a1111", markers: ["webui-user.sh"] } },
      { type: "create", dir: `${HOME}/new`, ui: "sdnext" },
      { type: "settings", text: "read config.json" },
      { type: "settings-warning", text: "config.json: not JSON" },
    ];
    expect(steps.map(webuiEvidenceText)).toEqual([
      "--ui forge",
      "comfyui, remembered",
      `using a folder above the current one ${HOME}/sd`,
      `using ${HOME}/sd, remembered in ${HOME}/.config/sdmodels/config.json`,
      "found modules/launch_utils.py → a1111",
      "found ComfyUI/ and python_embeded/ → ComfyUI portable package",
      "found checkpoints/, loras/ → ComfyUI-style models folder",
      "(detected: found webui-user.sh → a1111)",
      `--create: ${HOME}/new is not a WebUI yet; its sdnext folders are created as files arrive`,
      "read config.json",
      "warning: config.json: not JSON",
    ]);
  });

  it("shortens only the marker set of the UI the line already names, by its type, not its wording", () => {
    const steps: WebuiEvidence[] = [
      { type: "current-folder", dir: `${HOME}/sd`, above: false },
      { type: "markers", ui: "forge", markers: ["modules_forge/", "webui.py"] },
      { type: "also-detected", evidence: { type: "markers", ui: "forge", markers: ["webui.py"] } },
    ];
    expect(webuiEvidenceLine(steps, "forge", HOME)).toBe(
      "using the current folder ~/sd; modules_forge/, webui.py; (detected: found webui.py → forge)",
    );
    // The same marker set under another UI's name keeps its words: a forced --ui says what the files said.
    expect(webuiEvidenceLine(steps.slice(1, 2), "a1111", null)).toBe("found modules_forge/, webui.py → forge");
  });
});
