import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { classifyInspection } from "../../src/classify/classify-inspection.js";
import type { Classification } from "../../src/classify/types.js";
import type { FileFormat, InspectError, Inspection } from "../../src/inspect/types.js";
import { gatherSnapshot } from "../../src/install/gather-snapshot.js";
import { defaultJournalDir } from "../../src/install/journal.js";
import { planInstall } from "../../src/install/plan-install.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import {
  DEFAULT_PLAN_OPTIONS,
  type InstallCandidate,
  type InstallPlan,
  type PlanOptions,
  type WebuiTarget,
} from "../../src/install/types.js";
import { identityOf } from "../../src/model/file-identity.js";
import type { Verdict } from "../../src/model/verdict.js";

/** Creates files (and, for paths ending in `/`, folders) under `root`. */
export async function touch(root: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const full = join(root, p);
    if (p.endsWith("/")) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, "");
    }
  }
}

export const A1111_MARKERS = [
  "launch.py",
  "webui.py",
  "webui-user.sh",
  "modules/launch_utils.py",
  "extensions-builtin/Lora/",
  "models/Stable-diffusion/Put Stable Diffusion checkpoints here.txt",
  "models/Lora/",
  "embeddings/",
];
export const FORGE_MARKERS = [...A1111_MARKERS, "modules_forge/", "models/text_encoder/put_text_encoders_here.txt"];
export const SDNEXT_MARKERS = ["installer.py", "launch.py", "webui.py", "modules/sd_detect.py", "models/Reference/"];
export const COMFY_MARKERS = [
  "main.py",
  "folder_paths.py",
  "nodes.py",
  "comfy/",
  "comfy_extras/",
  "custom_nodes/",
  "models/checkpoints/",
];

/** A ComfyUI target no disk holds, for the pure planner: every fact it needs comes from the snapshot. */
export const COMFYUI_NOWHERE: WebuiTarget = {
  ui: "comfyui",
  root: "/nowhere/ComfyUI",
  shape: "install",
  modelsDir: "/nowhere/ComfyUI/models",
  dataDir: "/nowhere/ComfyUI",
  extraFolders: {},
  folders: {},
  roots: [],
  evidence: [],
};

export function classification(kind: Classification["kind"], extra: Partial<Classification> = {}): Classification {
  return {
    kind,
    algorithm: null,
    base: "sd1",
    variant: null,
    architecture: null,
    confidence: "high",
    evidence: [],
    ...extra,
  };
}

/**
 * Writes a model file and returns its candidate. Safetensors files are real sparse files from the fixture writer;
 * "pickle" content is a few plain bytes (the installer never reads content: the format comes from the inspection).
 */
export async function modelFile(
  path: string,
  c: Classification,
  options: {
    format?: FileFormat;
    verdict?: Verdict;
    error?: InspectError | null;
    /** First dimension of the one F16 tensor (`[dim, 8]`): different dims give different sizes. */
    dim?: number;
    shape?: number[];
    bytes?: Buffer;
  } = {},
): Promise<InstallCandidate> {
  const format = options.format ?? "safetensors";
  await mkdir(dirname(path), { recursive: true });
  if (options.bytes) await writeFile(path, options.bytes);
  else if (format === "safetensors")
    await writeSafetensors(path, [{ name: "w", shape: options.shape ?? [options.dim ?? 64, 8] }]);
  else await writeFile(path, Buffer.from(`PK\u0003\u0004 pickle stand-in ${path}`));
  const info = await lstat(path);
  return {
    source: path,
    size: info.size,
    identity: identityOf(info),
    format,
    verdict: options.verdict ?? "safe",
    error: options.error ?? null,
    classification: c,
  };
}

/** The candidate `install` makes of an inspected file or folder, classified as the run classifies it. */
export function candidateOf(inspection: Inspection, extra: Partial<InstallCandidate> = {}): InstallCandidate {
  return {
    source: inspection.path,
    size: inspection.size,
    format: inspection.format,
    verdict: inspection.safety.verdict,
    error: inspection.error,
    classification: classifyInspection(inspection),
    ...extra,
  };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Snapshot + plan, the way a CLI command does it. */
export async function plan(
  candidates: readonly InstallCandidate[],
  target: WebuiTarget,
  options: Partial<PlanOptions> = {},
): Promise<InstallPlan> {
  const opts = { ...DEFAULT_PLAN_OPTIONS, ...options };
  const snapshot = await gatherSnapshot(candidates, target, opts, { sha256: sha256File });
  return planInstall(candidates, target, opts, snapshot);
}

/** Every path under `root` with type, size and mtime: equal listings mean nothing was touched. */
export async function treeListing(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    const info = await stat(dir);
    out.push(`${relative(root, dir) || "."}/ mtime=${info.mtimeMs}`);
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const s = await stat(path);
        out.push(`${relative(root, path)} size=${s.size} mtime=${s.mtimeMs}`);
      }
    }
  }
  await walk(root);
  return out;
}

/** Paths of all files under `root`, relative, sorted. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/**
 * For CLI runs: a WebUI with `markers` and an empty downloads folder side by side in one fresh dir from `tempDir`,
 * and the environment that keeps the CLI's state beside them instead of in the user's state folder.
 */
export async function webuiAndDownloads(
  tempDir: () => Promise<string>,
  markers: readonly string[] = A1111_MARKERS,
): Promise<{ root: string; webui: string; downloads: string; env: { SDMODELS_STATE_DIR: string } }> {
  const root = await tempDir();
  const webui = join(root, "webui");
  const downloads = join(root, "downloads");
  await touch(webui, markers);
  await mkdir(downloads);
  return { root, webui, downloads, env: { SDMODELS_STATE_DIR: join(root, "state") } };
}

/** A fresh A1111 tree and a downloads folder beside it, each from `tempDir`, with the resolved target and journal. */
export async function a1111WithDownloads(
  tempDir: () => Promise<string>,
): Promise<{ root: string; downloads: string; target: WebuiTarget; journalDir: string }> {
  const root = await tempDir();
  const downloads = await tempDir();
  await touch(root, A1111_MARKERS);
  const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
  return { root, downloads, target, journalDir: defaultJournalDir(target) };
}
