import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { DownloadResult } from "../download/index.js";
import { inspectFile } from "../inspect/inspect-file.js";
import { type FetchSettings, fetchResolved, type ResolvedDownload, resolveDownload } from "./fetch-source.js";
import { createFileHasher, type HashedFile } from "./file-hasher.js";
import { type InspectedFile, inspectedFile } from "./inspected-file.js";

/** What `download` did: on a dry run, what it would fetch and where; else the file, its hashes and what it is. */
export type DownloadOutcome =
  | {
      dryRun: true;
      resolved: ResolvedDownload;
      path: string;
      /** A file is already at `path`: the download would fail rather than replace it. */
      exists: boolean;
    }
  | ({
      dryRun: false;
      resolved: ResolvedDownload;
      result: DownloadResult;
      hashes: HashedFile;
    } & InspectedFile);

/**
 * `download`: resolves a URL or AIR and fetches it into `dir` (resuming a `.part`, verifying what the service
 * states), then hashes it through the cache and inspects and classifies it, never replacing a file already there.
 */
export async function downloadModel(
  input: string,
  dir: string,
  settings: FetchSettings & { dryRun: boolean },
): Promise<DownloadOutcome> {
  const resolved = await resolveDownload(input, settings);
  if (settings.dryRun) {
    const path = join(dir, resolved.fileName);
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    return { dryRun: true, resolved, path, exists };
  }
  const result = await fetchResolved(resolved, dir, { ...settings, replace: false });
  const hasher = createFileHasher({ env: settings.env, useCache: true, status: settings.status });
  const hashes = await hasher.hash(result.path);
  await hasher.save();
  settings.status.update(`Inspecting ${result.path}`);
  return { dryRun: false, resolved, result, hashes, ...inspectedFile(await inspectFile(result.path)) };
}
