import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gatherSnapshot } from "../../src/install/gather-snapshot.js";
import { planInstall } from "../../src/install/plan-install.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import {
  DEFAULT_PLAN_OPTIONS,
  type FsSnapshot,
  type InstallCandidate,
  type MoveEntry,
  type SnapshotEntry,
} from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, COMFYUI_NOWHERE, classification, touch } from "./fake-webui.js";

/**
 * Planning must cost in proportion to the files, not their square: `sort` of a 100,000-file downloads folder plans
 * 100,000 candidates that share one source folder (and a few destination folders). These tests count how often a
 * whole folder listing is enumerated, which is what a per-candidate scan does once per candidate.
 */
const CANDIDATES = 500;

const tempDir = useTempDirs("sdmodels-plan-scaling-");

afterEach(() => {
  vi.restoreAllMocks();
});

const lora = (source: string, size: number, format: InstallCandidate["format"] = "safetensors"): InstallCandidate => ({
  source,
  size,
  format,
  verdict: "safe",
  error: null,
  classification: classification("lora"),
});

/** A listing that counts how often its names are enumerated (Object.keys, Object.entries, for…in). */
function counted(listing: Record<string, SnapshotEntry>, counts: Map<string, number>, dir: string) {
  return new Proxy(listing, {
    ownKeys(target) {
      counts.set(dir, (counts.get(dir) ?? 0) + 1);
      return Reflect.ownKeys(target);
    },
  });
}

describe("planInstall scales with the number of files", () => {
  it("enumerates each folder listing a bounded number of times, however many candidates share it", () => {
    const downloads = "/nowhere/downloads";
    const loras = "/nowhere/ComfyUI/models/loras";
    const target = COMFYUI_NOWHERE;
    const source: Record<string, SnapshotEntry> = {};
    const installed: Record<string, SnapshotEntry> = {};
    const candidates: InstallCandidate[] = [];
    const sidecars: Record<string, null> = {};
    for (let i = 0; i < CANDIDATES; i++) {
      source[`m${i}.safetensors`] = { size: 1000 + i, isFile: true };
      source[`m${i}.preview.png`] = { size: 5, isFile: true };
      sidecars[join(downloads, `m${i}.preview.png`)] = null;
      candidates.push(lora(join(downloads, `m${i}.safetensors`), 1000 + i));
      installed[`other${i}.safetensors`] = { size: 1, isFile: true };
    }
    // A model already installed under one candidate's stem, in another container: that candidate must be renamed.
    installed["m7.ckpt"] = { size: 1, isFile: true };
    const counts = new Map<string, number>();
    const snapshot: FsSnapshot = {
      folders: { [downloads]: counted(source, counts, downloads), [loras]: counted(installed, counts, loras) },
      hashes: {},
      realPaths: {},
      sidecars,
    };

    const plan = planInstall(candidates, target, { ...DEFAULT_PLAN_OPTIONS, onConflict: "rename" }, snapshot);

    expect(plan.summary.move).toBe(CANDIDATES);
    const moves = plan.entries as MoveEntry[];
    expect(moves[0]?.sidecars).toEqual([
      { source: join(downloads, "m0.preview.png"), destination: join(loras, "m0.preview.png") },
    ]);
    expect(moves[7]?.destination).toBe(join(loras, "m7_2.safetensors"));
    expect(moves[7]?.renamed.conflictWith).toBe(join(loras, "m7.ckpt"));
    // Once per folder to index it; a scan per candidate would be CANDIDATES enumerations.
    expect(counts.get(downloads)).toBeLessThanOrEqual(2);
    expect(counts.get(loras)).toBeLessThanOrEqual(2);
  });

  it("renames a later candidate whose stem an earlier one of the same batch takes", () => {
    const downloads = "/nowhere/downloads";
    const target = COMFYUI_NOWHERE;
    const plan = planInstall(
      [lora(join(downloads, "a.safetensors"), 1), lora(join(downloads, "a.pt"), 2, "torch-zip")],
      target,
      { ...DEFAULT_PLAN_OPTIONS, onConflict: "rename" },
      {
        folders: { [downloads]: { "a.safetensors": { size: 1, isFile: true }, "a.pt": { size: 2, isFile: true } } },
        hashes: {},
        realPaths: {},
        sidecars: {},
      },
    );
    const moves = plan.entries as MoveEntry[];
    expect(moves.map((m) => m.destination)).toEqual([
      "/nowhere/ComfyUI/models/loras/a.safetensors",
      "/nowhere/ComfyUI/models/loras/a_2.pt",
    ]);
  });
});

describe("gatherSnapshot scales with the number of files", () => {
  it("enumerates the source and destination listings a bounded number of times", async () => {
    const root = await tempDir();
    const downloads = await tempDir();
    await touch(root, A1111_MARKERS);
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    const installedDir = join(root, "models", "Lora");
    await mkdir(installedDir, { recursive: true });
    const candidates: InstallCandidate[] = [];
    for (let i = 0; i < CANDIDATES; i++) {
      const source = join(downloads, `m${i}.safetensors`);
      await writeFile(source, Buffer.alloc(1 + i));
      await writeFile(join(downloads, `m${i}.civitai.info`), "{}");
      // Sizes no candidate has: nothing needs hashing, so only the listings are looked at.
      await writeFile(join(installedDir, `other${i}.safetensors`), Buffer.alloc(CANDIDATES + 1 + i));
      candidates.push(lora(source, 1 + i));
    }
    const large = (value: unknown) =>
      typeof value === "object" && value !== null && Object.getOwnPropertyNames(value).length >= CANDIDATES;
    const keys = vi.spyOn(Object, "keys");
    const entries = vi.spyOn(Object, "entries");

    const snapshot = await gatherSnapshot(candidates, target, DEFAULT_PLAN_OPTIONS, {
      sha256: async () => "0".repeat(64),
    });
    const enumerations = [...keys.mock.calls, ...entries.mock.calls].filter(([value]) => large(value)).length;
    keys.mockRestore();
    entries.mockRestore();

    expect(snapshot.hashes).toEqual({});
    expect(Object.keys(snapshot.sidecars)).toHaveLength(CANDIDATES);
    // The source folder once for its names, the destination once for its sizes; a scan per candidate is hundreds.
    expect(enumerations).toBeLessThanOrEqual(4);
  });
});
