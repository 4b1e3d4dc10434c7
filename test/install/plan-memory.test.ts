import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planInstall } from "../../src/install/plan-install.js";
import { DEFAULT_PLAN_OPTIONS, type FsSnapshot, type InstallCandidate } from "../../src/install/types.js";
import { distinctObjects } from "../distinct-objects.js";
import { COMFYUI_NOWHERE, classification } from "./fake-webui.js";

/**
 * Objects a plan may keep per planned file: its entry, and nothing else of its own. A folder of 100,000 downloads keeps
 * 100,000 entries until the plan is applied and reported; their warnings, reasons and empty lists are mostly equal
 * and are kept once, not once per file (each was ~0.3 kB of heap per file: ~600 against ~320 bytes per entry).
 */
const MAX_OBJECTS_PER_FILE = 1.1;

/** Two batch sizes, ten times apart: what the plan keeps once (the target, the options) cancels out. */
const FEW_FILES = 200;
const MANY_FILES = 2_000;

/** `count` LoRAs of one downloads folder, as a worker's results arrive: each with its own classification object. */
function downloads(count: number): { candidates: InstallCandidate[]; snapshot: FsSnapshot } {
  const dir = "/home/user/Downloads/civitai";
  const candidates: InstallCandidate[] = [];
  const listing: Record<string, { size: number; isFile: boolean }> = {};
  for (let i = 0; i < count; i++) {
    const name = `${String(i).padStart(6, "0")}-sdxl-character-style-lora-v2.safetensors`;
    listing[name] = { size: 1000 + i, isFile: true };
    candidates.push({
      source: join(dir, name),
      size: 1000 + i,
      format: "safetensors",
      // Half of them installed with a warning: warnings are kept per entry too.
      verdict: i % 2 === 0 ? "safe" : "suspicious",
      error: null,
      classification: structuredClone(classification("lora")),
    });
  }
  const snapshot: FsSnapshot = {
    folders: { [dir]: listing, "/nowhere/ComfyUI/models/loras": {} },
    hashes: {},
    realPaths: {},
    sidecars: {},
  };
  return { candidates, snapshot };
}

/** Objects the plan of `count` downloads holds that its inputs do not. */
function planObjects(count: number): number {
  const { candidates, snapshot } = downloads(count);
  const plan = planInstall(candidates, COMFYUI_NOWHERE, DEFAULT_PLAN_OPTIONS, snapshot);
  expect(plan.summary.move).toBe(count);
  return distinctObjects(plan, candidates, snapshot) - distinctObjects(candidates, snapshot);
}

describe("planInstall keeps little per planned file", () => {
  it(`keeps at most ${MAX_OBJECTS_PER_FILE} objects per file`, () => {
    const perFile = (planObjects(MANY_FILES) - planObjects(FEW_FILES)) / (MANY_FILES - FEW_FILES);
    expect(perFile).toBeLessThanOrEqual(MAX_OBJECTS_PER_FILE);
  });
});
