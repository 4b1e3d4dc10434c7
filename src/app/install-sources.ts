import { civitaiDisagreements } from "../civitai/cross-check.js";
import type { PlanOptions, WebuiTarget } from "../install/types.js";
import type { FetchSettings } from "./fetch-source.js";
import { type InstallOutcome, type PipelineSettings, runInstallPipeline } from "./install-pipeline.js";
import { type DownloadRecord, stageDownloads } from "./stage-downloads.js";

/** URLs and Civitai AIRs are downloaded; anything else is a local path. */
const REMOTE = /^(?:https?:\/\/|urn:air:)/i;

export function isRemoteSource(input: string): boolean {
  return REMOTE.test(input);
}

export interface InstalledSources {
  outcome: InstallOutcome;
  /** One record per URL or AIR, in input order, with Civitai's type/base checked against the downloaded header. */
  downloads: DownloadRecord[];
}

/**
 * `install`: local files and URLs alike. URLs are downloaded into the WebUI's staging folder first (on a dry run,
 * planned from what the service states), then everything goes through the install pipeline together.
 */
export async function installSources(
  inputs: readonly string[],
  target: WebuiTarget,
  options: PlanOptions,
  settings: PipelineSettings & Omit<FetchSettings, "status" | "env">,
): Promise<InstalledSources> {
  const staged = await stageDownloads(inputs.filter(isRemoteSource), target.root, {
    ...settings,
    dryRun: options.dryRun,
  });
  const outcome = await runInstallPipeline(
    [...inputs.filter((i) => !isRemoteSource(i)), ...staged.paths],
    target,
    options,
    { ...settings, predicted: staged.predicted },
  );
  crossCheckDownloads(staged.downloads, outcome);
  return { outcome, downloads: staged.downloads };
}

/** Civitai's type/base for a downloaded file is a cross-check of its header, never its placement. */
function crossCheckDownloads(downloads: readonly DownloadRecord[], outcome: InstallOutcome): void {
  for (const d of downloads) {
    const file = outcome.files.find((f) => f.candidate.source === d.path);
    if (d.civitai && file) {
      d.civitai.disagreements = civitaiDisagreements(
        { type: d.civitai.type ?? undefined, baseModel: d.civitai.baseModel ?? undefined },
        file.classification,
      );
    }
  }
}
