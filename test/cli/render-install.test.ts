import { describe, expect, it } from "vitest";
import { createPalette } from "../../src/cli/output/color.js";
import {
  type InstallDetails,
  type InstallReport,
  type PlanEntryReport,
  skipReasonReport,
} from "../../src/cli/report/install-report.js";
import { displayPath, leftNote, renderInstall, tildePath, worstFinding } from "../../src/cli/report/render-install.js";

const ROOT = "/home/ana/ComfyUI";
const DL = "/home/ana/Downloads";

function entry(name: string, fields: Partial<PlanEntryReport>): PlanEntryReport {
  return {
    source: `${DL}/${name}`,
    action: "move",
    destination: `${ROOT}/models/loras/${name}`,
    kind: "lora",
    algorithm: "lora",
    base: "sdxl",
    format: "safetensors",
    verdict: "safe",
    reason: null,
    existing: null,
    renamed: { extension: false, conflictWith: null },
    sidecars: [],
    sidecarsLeft: [],
    warnings: [],
    civitai: null,
    notLoaded: null,
    ...fields,
  };
}

function report(plan: PlanEntryReport[], dryRun = true): InstallReport {
  return {
    webui: {
      root: ROOT,
      ui: "comfyui",
      evidence: ["found main.py, folder_paths.py, comfy/ → comfyui"],
      folders: [],
      evidenceFacts: [{ type: "markers", ui: "comfyui", markers: ["main.py", "folder_paths.py", "comfy/"] }],
    },
    dryRun,
    plan,
    summary: {
      files: plan.length,
      planned: 1,
      installed: 0,
      duplicates: 0,
      skipped: { "in-place": 1, conflict: 1 },
      conflicts: 1,
      bytes: 2_000_000,
    },
    warnings: [],
    batchId: null,
    journal: null,
    results: null,
    failure: null,
  };
}

const NO_DETAILS: InstallDetails = { findings: new Map(), warnings: new Map(), planWarnings: [] };
const options = {
  width: null,
  palette: createPalette(false),
  copy: false,
  paths: { cwd: "/", home: "/home/ana" },
  sortedDir: DL,
};

describe("renderInstall", () => {
  it("lists files already there under their folder, and counts every file once in the summary", () => {
    const plan = [
      entry("new.safetensors", {}),
      entry("same.safetensors", {
        action: "skip",
        source: `${ROOT}/models/loras/same.safetensors`,
        reason: { code: "in-place", message: "already in place" },
      }),
      entry("taken.safetensors", {
        action: "skip",
        reason: skipReasonReport({ code: "conflict", existing: `${ROOT}/models/loras/taken.safetensors` }),
      }),
      entry("blocked.safetensors", {
        action: "conflict",
        existing: `${ROOT}/models/loras/blocked.preview.png`,
        renamed: null,
      }),
    ];
    const text = renderInstall(report(plan), NO_DETAILS, {
      ...options,
      sortedDir: null,
      paths: { cwd: DL, home: "/home/ana" },
    });
    expect(text.split("\n").slice(0, 3)).toEqual([
      "comfyui at ~/ComfyUI  (main.py, folder_paths.py, comfy/)",
      "4 files:",
      "",
    ]);
    expect(text).toContain("    new.safetensors  ");
    expect(text).toMatch(/^ {4}~\/ComfyUI\/models\/loras\/same\.safetensors +lora · sdxl +already in place$/m);
    expect(text).toMatch(
      /^ {4}taken\.safetensors +lora · sdxl +conflict: a different file is at models\/loras\/taken\.safetensors; left where it is \(--on-conflict skip\)$/m,
    );
    expect(text).toMatch(
      /^ {4}blocked\.safetensors +lora · sdxl +conflict: a different file is at models\/loras\/blocked\.preview\.png; nothing installed \(--on-conflict fail\)$/m,
    );
    expect(text).toContain(
      "\n1 to install (2.00 MB) · 0 left where they are · 0 duplicates · 1 already in place · 2 conflicts\n",
    );
  });

  it("reads the WebUI evidence from its typed facts, never from the --json words", () => {
    const reworded = report([]);
    reworded.webui.evidence = ["anything at all → comfyui"];
    const text = renderInstall(reworded, NO_DETAILS, { ...options, sortedDir: null });
    expect(text.split("\n")[0]).toBe("comfyui at ~/ComfyUI  (main.py, folder_paths.py, comfy/)");
  });

  it("wraps a note under its own column, and puts it below the file when the column would be too narrow", () => {
    const suspicious = entry("odd.ckpt", {
      format: "torch-zip",
      verdict: "suspicious",
      kind: "checkpoint",
      algorithm: null,
      destination: `${ROOT}/models/checkpoints/odd.ckpt`,
    });
    const details: InstallDetails = {
      planWarnings: [],
      warnings: new Map(),
      findings: new Map([
        [
          suspicious.source,
          {
            error: null,
            safety: {
              verdict: "suspicious",
              reasons: [
                "known-benign-class: odd/data.pkl: imports a.b.c.Callback: " +
                  "requires trusting the file's Python classes (offset 9)",
              ],
              findings: [
                {
                  severity: "suspicious",
                  code: "known-benign-class",
                  message:
                    "odd/data.pkl: imports a.b.c.Callback: requires trusting the file's Python classes (offset 9)",
                  global: "a.b.c.Callback",
                },
              ],
              imports: [
                {
                  module: "a.b.c",
                  name: "Callback",
                  resolved: "a.b.c.Callback",
                  verdict: "suspicious",
                  offset: 9,
                  count: 1,
                },
              ],
            },
          },
        ],
      ]),
    };
    const wide = renderInstall(report([suspicious]), details, { ...options, width: 70 });
    expect(wide).toContain(
      "    odd.ckpt  checkpoint · sdxl  suspicious: imports a…Callback (needs\n" +
        "                                 trusting)\n",
    );
    const narrow = renderInstall(report([suspicious]), details, { ...options, width: 40 });
    expect(narrow).toContain(
      "    odd.ckpt  checkpoint · sdxl\n      suspicious: imports a…Callback\n      (needs trusting)\n",
    );
    for (const text of [wide, narrow]) expect(text).toContain("1 pickle (.ckpt): no code found");
  });
});

describe("leftNote", () => {
  it("names an unreadable file's problem from its fields, however the reader worded its message", () => {
    const source = `${DL}/gone.safetensors`;
    const unreadable = entry("gone.safetensors", {
      action: "skip",
      destination: null,
      reason: { code: "unreadable", error: "ENOENT", message: "unreadable" },
    });
    const withError = (error: { code: string; message: string; file?: string; problem?: string }): InstallDetails => ({
      ...NO_DETAILS,
      findings: new Map([
        [source, { error, safety: { verdict: "suspicious", reasons: [], findings: [], imports: [] } }],
      ]),
    });
    const named = withError({
      code: "ENOENT",
      message: `no such file: ${source}`,
      file: source,
      problem: "no such file",
    });
    expect(leftNote(unreadable, named, options)).toBe("no such file");
    // Another file's error keeps its whole sentence, which names that file.
    const other = withError({ code: "ENOENT", message: "/x/y: gone", file: "/x/y", problem: "gone" });
    expect(leftNote(unreadable, other, options)).toBe("/x/y: gone");
  });
});

describe("worstFinding", () => {
  it("names the worst import in a few words and counts the other findings", () => {
    const safety = {
      verdict: "dangerous" as const,
      reasons: ["dangerous-global: x", "non-weights-only-opcode: y", "structural-violation: z"],
      findings: [
        {
          severity: "suspicious" as const,
          code: "non-weights-only-opcode",
          message: "x/data.pkl: POP is outside torch's weights-only grammar (offset 91)",
          summary: "x/data.pkl: POP is outside torch's weights-only grammar",
          offset: 91,
        },
        {
          severity: "dangerous" as const,
          code: "dangerous-global",
          message: "x/data.pkl: imports posix.system: module posix can run code (offset 2)",
          global: "posix.system",
        },
      ],
      imports: [
        {
          module: "posix",
          name: "system",
          resolved: "posix.system",
          verdict: "dangerous" as const,
          offset: 2,
          count: 1,
        },
      ],
    };
    expect(worstFinding(safety)).toEqual({ text: "imports posix.system", more: 2 });
    expect(worstFinding({ ...safety, findings: safety.findings.slice(0, 1), reasons: ["one"] })).toEqual({
      text: "x/data.pkl: POP is outside torch's weights-only grammar",
      more: 0,
    });
    expect(worstFinding({ verdict: "safe", reasons: [], findings: [], imports: [] })).toBeNull();
  });

  it("takes a finding's words from its summary field, however its message is worded", () => {
    const finding = {
      severity: "suspicious" as const,
      code: "non-weights-only-opcode",
      message: "x/data.pkl: POP is not allowed here [at byte 91]",
      summary: "x/data.pkl: POP is not allowed here",
      offset: 91,
    };
    const safety = { verdict: "suspicious" as const, reasons: ["one"], findings: [finding], imports: [] };
    expect(worstFinding(safety)).toEqual({ text: "x/data.pkl: POP is not allowed here", more: 0 });
  });
});

describe("paths", () => {
  it("abbreviates the home folder and prefers a shorter relative path", () => {
    expect(tildePath("/home/ana/ComfyUI", "/home/ana")).toBe("~/ComfyUI");
    expect(tildePath("/home/anastasia/x", "/home/ana")).toBe("/home/anastasia/x");
    expect(displayPath("/home/ana/Downloads/a.ckpt", { cwd: "/home/ana", home: "/home/ana" })).toBe("Downloads/a.ckpt");
    expect(displayPath("/srv/models/a.ckpt", { cwd: "/home/ana/deep/down", home: "/home/ana" })).toBe(
      "/srv/models/a.ckpt",
    );
  });
});
