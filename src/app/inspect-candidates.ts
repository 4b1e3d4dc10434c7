import { lstat } from "node:fs/promises";
import { resolve } from "node:path";
import { classifyInspection } from "../classify/classify-inspection.js";
import type { Classification } from "../classify/types.js";
import { inspectEach } from "../inspect/inspect-pool.js";
import type { Inspection } from "../inspect/types.js";
import { identityOf } from "../install/file-identity.js";
import type { InstallCandidate } from "../install/types.js";

/**
 * One file as `install` and `sort` see it once classified: what inspect reports about it, and what the installer
 * is handed. What only classification reads is dropped: the tensor lists (a 1,000-file folder holds about a million
 * tensor infos) and plain pickle values. The header metadata stays: the HTML report shows its first entries.
 */
export interface InspectedCandidate {
  inspection: Omit<Inspection, "tensors" | "values">;
  classification: Classification;
  candidate: InstallCandidate;
}

/**
 * Inspects and classifies each path, in order, exactly as `inspect` does, so `install` never disagrees with what
 * `inspect` said about the same file. Unreadable files become candidates too: the planner refuses them with a reason.
 */
export async function inspectCandidates(
  paths: readonly string[],
  onFile?: (index: number, total: number, path: string) => void,
): Promise<InspectedCandidate[]> {
  const out: InspectedCandidate[] = [];
  // Taken before reading (the pool reads ahead of this loop): a file written to or replaced from now on no longer
  // matches, and is not installed.
  const identities = [];
  for (const path of paths) identities.push(await lstat(path).then(identityOf, () => null));
  let index = 0;
  for await (const full of inspectEach(paths, { onFile })) {
    const before = identities[index++];
    const classification = classifyInspection(full);
    const { tensors: _tensors, values: _values, ...inspection } = full;
    out.push({
      inspection,
      classification,
      candidate: {
        source: resolve(full.path),
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
