import { lstat } from "node:fs/promises";
import { resolve } from "node:path";
import { crashedInspection, inspectPathHere, type PoolOptions, runEach } from "../inspect/inspect-pool.js";
import { identityOf } from "../install/file-identity.js";
import type { InstallCandidate } from "../install/types.js";
import { compiledWorkerScript } from "../worker-script.js";
import { type ClassifiedInspection, classifiedInspection } from "./classified-inspection.js";

/**
 * One file as `install` and `sort` see it once classified, and what the installer is handed. Its metadata is null
 * unless the caller keeps it for an HTML report.
 */
export interface InspectedCandidate extends ClassifiedInspection {
  candidate: InstallCandidate;
}

const WORKER_URL = compiledWorkerScript(import.meta.url, "./inspect-candidate-worker.js");

/**
 * Inspects and classifies each path, in order, exactly as `inspect` does, so `install` never disagrees with what
 * `inspect` said about the same file. Unreadable files become candidates too: the planner refuses them with a reason.
 */
export async function inspectCandidates(
  paths: readonly string[],
  onFile: ((index: number, total: number, path: string) => void) | undefined,
  options: { keepMetadata: boolean; jobs?: PoolOptions["jobs"] },
): Promise<InspectedCandidate[]> {
  const out: InspectedCandidate[] = [];
  // Taken before reading (the pool reads ahead of this loop): a file written to or replaced from now on no longer
  // matches, and is not installed.
  const identities = [];
  for (const path of paths) identities.push(await lstat(path).then(identityOf, () => null));
  let index = 0;
  const work = {
    workerUrl: WORKER_URL,
    run: async (path: string) => classifiedInspection(await inspectPathHere(path)),
    crashed: (path: string, detail: string) => classifiedInspection(crashedInspection(path, detail)),
  };
  for await (const { inspection, classification } of runEach(paths, work, { onFile, jobs: options.jobs })) {
    const before = identities[index++];
    // Only the HTML report shows metadata: without one, none is kept for the rest of the run.
    if (!options.keepMetadata) inspection.metadata = null;
    out.push({
      inspection,
      classification,
      candidate: {
        source: resolvedPath(inspection.path),
        size: inspection.size,
        format: inspection.format,
        verdict: inspection.safety.verdict,
        error: inspection.error,
        classification,
        ...(before ? { identity: before } : {}),
      },
    });
  }
  return out;
}

/** `path` made absolute, as the same string when it already is: a second copy of each path is kept to the end. */
function resolvedPath(path: string): string {
  const resolved = resolve(path);
  return resolved === path ? path : resolved;
}
