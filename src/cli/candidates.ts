import { resolve } from "node:path";
import { inspectFile } from "../inspect/inspect-file.js";
import type { InstallCandidate } from "../install/types.js";
import { classifyInspection } from "./report/inspection-report.js";
import type { InspectedFile } from "./report/render-inspection.js";

/** One file as `install` and `sort` see it: what inspect reports, and what the installer is handed. */
export interface InspectedCandidate extends InspectedFile {
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
  for (const [index, path] of paths.entries()) {
    onFile?.(index, paths.length, path);
    const inspection = await inspectFile(path);
    const classification = classifyInspection(inspection);
    out.push({
      inspection,
      classification,
      candidate: {
        source: resolve(path),
        size: inspection.size,
        format: inspection.format,
        verdict: inspection.safety.verdict,
        error: inspection.error,
        classification,
      },
    });
  }
  return out;
}
