import { classifyInspection } from "../classify/classify-inspection.js";
import type { Classification } from "../classify/types.js";
import { inspectEach, type PoolOptions } from "../inspect/inspect-pool.js";
import type { Inspection } from "../inspect/types.js";
import { expandModelPaths } from "../inspect/walk.js";
import type { CivitaiMatch } from "./civitai-lookup.js";
import type { StatusLine } from "./progress.js";

export interface ClassifiedInspection {
  inspection: Inspection;
  classification: Classification;
}

/**
 * `inspect`: the files named, folders walked for model files, each inspected (on worker threads for many files) and
 * classified, in order. `targets` is known before any file is read; `files` yields one at a time, so a caller can
 * drop each file's tensors once it has used them.
 */
export async function inspectPaths(
  paths: readonly string[],
  options: Pick<PoolOptions, "onFile" | "jobs"> = {},
): Promise<{ targets: string[]; files: AsyncGenerator<ClassifiedInspection> }> {
  const targets = await expandModelPaths(paths);
  async function* classified(): AsyncGenerator<ClassifiedInspection> {
    for await (const inspection of inspectEach(targets, options)) {
      yield { inspection, classification: classifyInspection(inspection) };
    }
  }
  return { targets, files: classified() };
}

/**
 * `inspect --civitai`: looks readable files up on Civitai by SHA-256 (hashed through the cache) and writes their
 * `.civitai.info` and preview beside them. The Civitai client (HTTP, response schemas) and the hash cache load only
 * here: a plain inspect reads local files.
 */
export async function lookUpInspectedOnCivitai(
  files: readonly {
    path: string;
    format: Inspection["format"];
    error: Inspection["error"];
    classification: Classification;
  }[],
  settings: { env: NodeJS.ProcessEnv; status: StatusLine },
): Promise<CivitaiMatch[]> {
  const [{ createFileHasher }, { lookUpOnCivitai }] = await Promise.all([
    import("./file-hasher.js"),
    import("./civitai-lookup.js"),
  ]);
  const hasher = createFileHasher({ env: settings.env, useCache: true, status: settings.status });
  // Civitai knows files by SHA-256; a diffusers folder has none.
  const readable = files.filter((f) => f.error === null && f.format !== "diffusers");
  const matches = await lookUpOnCivitai(
    readable.map((f) => ({ path: f.path, classification: f.classification })),
    { env: settings.env, hasher, writeSidecars: true, status: settings.status },
  );
  await hasher.save();
  return matches;
}
