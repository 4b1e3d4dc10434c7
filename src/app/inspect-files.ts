import type { Classification } from "../classify/types.js";
import { crashedInspection, inspectPathHere, type PoolOptions, runEach } from "../inspect/inspect-pool.js";
import type { Inspection } from "../inspect/types.js";
import { expandModelPaths } from "../inspect/walk.js";
import { compiledWorkerScript } from "../worker-script.js";
import type { CivitaiMatch } from "./civitai-lookup.js";
import { type InspectedFile, inspectedFile } from "./inspected-file.js";
import type { StatusLine } from "./progress.js";

const WORKER_URL = compiledWorkerScript(import.meta.url, "./inspect-file-worker.js");

export interface InspectEachOptions extends PoolOptions {
  /** The worker script (a test swaps in one that crashes). */
  workerUrl?: URL;
}

/**
 * `inspect`: the files named, folders walked for model files, each inspected and classified (on worker threads for
 * many files), in order. `targets` is known before any file is read; `files` yields one at a time.
 */
export async function inspectPaths(
  paths: readonly string[],
  options: Pick<PoolOptions, "onFile" | "jobs"> = {},
): Promise<{ targets: string[]; files: AsyncGenerator<InspectedFile> }> {
  const targets = await expandModelPaths(paths);
  return { targets, files: inspectEach(targets, options) };
}

/**
 * Each path inspected and classified as an {@link InspectedFile}, yielded in the order given, on worker threads as
 * `runEach` spreads them. A file whose worker died is an `inspect-crashed` error, never "safe".
 */
export function inspectEach(paths: readonly string[], options: InspectEachOptions = {}): AsyncGenerator<InspectedFile> {
  const work = {
    workerUrl: options.workerUrl ?? WORKER_URL,
    run: async (path: string) => inspectedFile(await inspectPathHere(path)),
    crashed: (path: string, detail: string) => inspectedFile(crashedInspection(path, detail)),
  };
  return runEach(paths, work, options);
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
