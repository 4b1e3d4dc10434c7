import { crashedInspection, type PoolOptions, runEach } from "../inspect/inspect-pool.js";
import { absolutePath } from "../install/absolute-path.js";
import type { InstallCandidate } from "../install/types.js";
import { SharedValues } from "../model/shared-values.js";
import { compiledWorkerScript } from "../worker-script.js";
import { type ClassifiedInspection, classifiedInspection } from "./classified-inspection.js";
import { type IdentifiedInspection, inspectCandidateFile } from "./inspect-candidate-file.js";

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
  let index = 0;
  const work = {
    workerUrl: WORKER_URL,
    run: inspectCandidateFile,
    crashed: (path: string, detail: string) => ({
      ...classifiedInspection(crashedInspection(path, detail)),
      identity: null,
    }),
  };
  const shared = new SharedValues();
  for await (const result of runEach(paths, work, { onFile, jobs: options.jobs })) {
    out.push(keptCandidate(result, paths[index++] as string, options, shared));
  }
  return out;
}

/**
 * What the rest of the run keeps of one file's result: the result as {@link ClassifiedInspection} holds it, with the
 * walked path (the worker's copy of it is dropped) and one shared copy of every value that many files have alike.
 */
export function keptCandidate(
  result: IdentifiedInspection,
  path: string,
  options: { keepMetadata: boolean },
  shared: SharedValues,
): InspectedCandidate {
  const { inspection: found, identity } = result;
  const classification = shared.value(result.classification);
  const format = shared.string(found.format);
  const safety = shared.value(found.safety);
  const inspection = {
    ...found,
    path,
    format,
    safety,
    // Only the HTML report shows metadata: without one, none is kept for the rest of the run.
    metadata: options.keepMetadata ? found.metadata : null,
  };
  return {
    inspection,
    classification,
    candidate: {
      source: absolutePath(path),
      size: found.size,
      format,
      verdict: safety.verdict,
      error: found.error,
      classification,
      ...(identity ? { identity } : {}),
    },
  };
}
