import { describe, expect, it } from "vitest";
import { dtypeCounts, type InspectedFile } from "../../src/app/inspected-file.js";
import { UNCLASSIFIED } from "../../src/classify/classify-inspection.js";
import type { Classification } from "../../src/classify/types.js";
import { createPalette } from "../../src/cli/output/color.js";
import { inspectExitCode } from "../../src/cli/report/inspection-report.js";
import {
  commonDirectory,
  describeModel,
  renderInspectionBlock,
  renderInspectionTable,
} from "../../src/cli/report/render-inspection.js";
import { buildSafetyReport } from "../../src/inspect/safety-report.js";
import type { Finding, Inspection } from "../../src/inspect/types.js";

const plain = createPalette(false);

function inspection(overrides: Partial<Inspection> & { findings?: Finding[] } = {}): Inspection {
  const { findings = [], ...rest } = overrides;
  return {
    path: "models/x.safetensors",
    format: "safetensors",
    size: 2_132_625_894,
    tensors: [],
    metadata: null,
    values: {},
    safety: buildSafetyReport(findings, []),
    error: null,
    bytesRead: 100,
    ...rest,
  };
}

/** The file as `inspect` hands it to the renderers: `full` with its tensors summarised. */
function shown(full: Inspection, classification: Classification): InspectedFile {
  const { tensors, values: _values, ...kept } = full;
  return { inspection: kept, tensors: { count: tensors.length, dtypes: dtypeCounts(tensors) }, classification };
}

const LORA: Classification = {
  kind: "lora",
  algorithm: "locon",
  base: "sdxl",
  variant: null,
  architecture: null,
  confidence: "high",
  evidence: [{ rule: "cross-attention-width", text: "attn2.to_k in-dim 2048 → sdxl" }],
};

describe("renderInspectionBlock", () => {
  it("lists the reasons under the verdict", () => {
    const findings: Finding[] = [
      { severity: "suspicious", code: "trailing-bytes", message: "12 bytes after the data" },
      { severity: "dangerous", code: "dangerous-global", message: "imports os.system" },
    ];
    expect(renderInspectionBlock(shown(inspection({ findings }), UNCLASSIFIED), plain)).toContain(
      [
        "  safety     dangerous",
        "             - dangerous-global: imports os.system",
        "             - trailing-bytes: 12 bytes after the data",
        "",
      ].join("\n"),
    );
  });

  it("shows format, size, tensors, model, evidence and verdict", () => {
    const tensors = [
      { name: "a", path: ["a"], dtype: "F16", shape: [1] },
      { name: "b", path: ["b"], dtype: "F32", shape: [1] },
      { name: "c", path: ["c"], dtype: "F16", shape: [1] },
    ];
    expect(renderInspectionBlock(shown(inspection({ tensors, metadata: {} }), LORA), plain)).toBe(
      [
        "models/x.safetensors",
        "  format     safetensors, 2.13 GB (2,132,625,894 bytes)",
        "  tensors    3 (F16 2, F32 1)",
        "  metadata   empty",
        "  model      lora (locon) · sdxl (confidence high)",
        "  evidence   attn2.to_k in-dim 2048 → sdxl",
        "  loads in   a1111 (from 1.5.0), forge, sdnext, comfyui, swarmui, fooocus",
        "  safety     safe",
        "",
      ].join("\n"),
    );
  });

  it("states the error once, last, not again among the reasons", () => {
    const error = {
      code: "error-page",
      message: 'an HTML page saved in place of a model (failed download?): "Sign in"',
    };
    const block = renderInspectionBlock(
      shown(
        inspection({
          format: "unknown",
          size: 120,
          findings: [{ severity: "suspicious", ...error }],
          error,
        }),
        UNCLASSIFIED,
      ),
      plain,
    );
    expect(block).toBe(
      [
        "models/x.safetensors",
        "  format     unknown, 120 B",
        "  safety     suspicious",
        `  error      ${error.message} (error-page)`,
        "",
      ].join("\n"),
    );
  });

  it("shows only the error for a file that could not be opened", () => {
    const error = { code: "ENOENT", message: "gone.ckpt: no such file", io: true } as const;
    const block = renderInspectionBlock(
      shown(
        inspection({
          path: "gone.ckpt",
          format: "unknown",
          size: 0,
          error,
          findings: [{ severity: "suspicious", code: "unreadable", message: error.message }],
        }),
        UNCLASSIFIED,
      ),
      plain,
    );
    expect(block).toBe("gone.ckpt\n  error      gone.ckpt: no such file (ENOENT)\n");
  });

  it("never prints control characters that came from the file", () => {
    const block = renderInspectionBlock(
      shown(
        inspection({
          path: "evil\u001b]0;owned\u0007.safetensors",
          tensors: [{ name: "t", path: ["t"], dtype: "F16\u001b[2J", shape: [1] }],
          metadata: { "key\u001b[31m": "v" },
        }),
        { ...LORA, evidence: [{ rule: "lora", text: "name \u001b[2J → lora" }] },
      ),
      createPalette(false),
    );
    expect(block).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(block).toContain("evil\\x1b]0;owned\\x07.safetensors");
  });
});

describe("summary table", () => {
  it("names files relative to the directory they share", () => {
    expect(commonDirectory(["models/lora/a.safetensors", "models/lora/sub/b.safetensors"])).toBe("models/lora/");
    expect(commonDirectory(["models/a.safetensors", "other/b.safetensors"])).toBe("");
    expect(commonDirectory(["/abs/only.safetensors"])).toBe("/abs/");
    expect(commonDirectory(["bare.safetensors"])).toBe("");
    expect(commonDirectory(["models/a", "models/ab/c"])).toBe("models/");
  });

  it("prints the shared folder above one row per file", () => {
    const files = [
      shown(inspection({ path: "models/lora/a.safetensors" }), LORA),
      shown(inspection({ path: "models/lora/b.safetensors", error: { code: "invalid", message: "x" } }), UNCLASSIFIED),
    ];
    expect(renderInspectionTable(files, null, plain)).toBe(
      [
        "in models/lora/",
        "NAME           FORMAT       KIND          BASE     VERDICT",
        "a.safetensors  safetensors  lora (locon)  sdxl     safe",
        "b.safetensors  safetensors  unknown       unknown  safe, invalid",
        "",
      ].join("\n"),
    );
  });

  it("does not repeat the kind as its own detail", () => {
    expect(describeModel({ ...LORA, algorithm: "lora", base: "sd1", variant: "v-prediction" })).toBe(
      "lora · sd1 · v-prediction",
    );
    expect(describeModel({ ...UNCLASSIFIED, kind: "text-encoder", architecture: "clip-l", base: "sdxl" })).toBe(
      "text-encoder (clip-l) · sdxl",
    );
  });
});

describe("inspection report helpers", () => {
  it("counts dtypes, most common first", () => {
    const t = (dtype: string) => ({ name: dtype, path: [dtype], dtype, shape: [] });
    expect(Object.entries(dtypeCounts([t("F32"), t("BF16"), t("F16"), t("BF16")]))).toEqual([
      ["BF16", 2],
      ["F16", 1],
      ["F32", 1],
    ]);
  });

  it("exits 3 for a dangerous file over 2 for an error, else 0", () => {
    const dangerous = inspection({
      findings: [{ severity: "dangerous", code: "dangerous-global", message: "os.system" }],
    });
    const broken = inspection({ error: { code: "invalid", message: "x" } });
    const suspicious = inspection({ findings: [{ severity: "suspicious", code: "trailing-bytes", message: "x" }] });
    expect(inspectExitCode([broken, dangerous])).toBe(3);
    expect(inspectExitCode([suspicious, broken])).toBe(2);
    expect(inspectExitCode([suspicious, inspection()])).toBe(0);
    expect(inspectExitCode([])).toBe(0);
  });
});
