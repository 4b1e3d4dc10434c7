import { describe, expect, it } from "vitest";
import { type AuditedFile, auditFindings, fixCandidates, modelFolders } from "../../src/app/audit-findings.js";
import type { WebuiTarget } from "../../src/install/types.js";
import { classification } from "../install/fake-webui.js";

/** ComfyUI with a shared LoRA library outside its root, as `extra_model_paths.yaml` sets it up. */
const TARGET: WebuiTarget = {
  ui: "comfyui",
  root: "/srv/ComfyUI",
  shape: "install",
  modelsDir: "/srv/ComfyUI/models",
  dataDir: "/srv/ComfyUI",
  extraFolders: { loras: ["/mnt/shared/loras"] },
  folders: {},
  roots: [],
  evidence: [],
};

function file(
  source: string,
  kind: Parameters<typeof classification>[0],
  extra: Partial<AuditedFile["candidate"]> = {},
): AuditedFile {
  return {
    candidate: {
      source,
      size: 100,
      format: "safetensors",
      verdict: "safe",
      error: null,
      classification: classification(kind),
      ...extra,
    },
    reasons: [],
  };
}

describe("audit findings (pure)", () => {
  it("walks extra paths and legacy aliases, and a file there is where the UI loads it", () => {
    const folders = modelFolders(TARGET).map((f) => f.path);
    expect(folders).toEqual(
      expect.arrayContaining([
        "/mnt/shared/loras",
        "/srv/ComfyUI/models/loras",
        "/srv/ComfyUI/models/unet",
        "/srv/ComfyUI/models/clip",
      ]),
    );
    const findings = auditFindings({
      target: TARGET,
      files: [
        file("/mnt/shared/loras/style.safetensors", "lora"),
        file("/srv/ComfyUI/models/unet/flux.safetensors", "diffusion-model"),
      ],
      hashes: {},
      listings: {},
    });
    expect(findings).toEqual([]);
  });

  it("quarantines a dangerous file from outside the root under external/, keeping its absolute path", () => {
    const evil = file("/mnt/shared/loras/evil.ckpt", "unknown", { verdict: "dangerous", format: "torch-zip" });
    const findings = auditFindings({ target: TARGET, files: [evil], hashes: {}, listings: {} });
    expect(findings).toEqual([{ type: "dangerous", path: "/mnt/shared/loras/evil.ckpt", reasons: [] }]);
    const [candidate] = fixCandidates(findings, [evil], TARGET, "/srv/ComfyUI/.sdmodels/quarantine/q1");
    expect(candidate?.placeAt).toBe("/srv/ComfyUI/.sdmodels/quarantine/q1/external/mnt/shared/loras");
  });

  it("keeps the well-placed copy of a duplicate even when a misplaced copy sorts first", () => {
    const files = [
      file("/srv/ComfyUI/models/checkpoints/a-lora.safetensors", "lora"),
      file("/srv/ComfyUI/models/loras/z-lora.safetensors", "lora"),
    ];
    const hashes = Object.fromEntries(files.map((f) => [f.candidate.source, "ab"]));
    const dup = auditFindings({ target: TARGET, files, hashes, listings: {} }).find((f) => f.type === "duplicate");
    expect(dup).toMatchObject({
      keep: "/srv/ComfyUI/models/loras/z-lora.safetensors",
      copies: ["/srv/ComfyUI/models/checkpoints/a-lora.safetensors"],
      wastedBytes: 100,
    });
  });
});
