import { join } from "node:path";
import { baseForCivitaiBaseModel, kindsForCivitaiType } from "../civitai/cross-check.js";
import { writeCivitaiSidecars } from "../civitai/index.js";
import { type Algorithm, evidence } from "../classify/types.js";
import { baseUrlsFromEnv } from "../download/index.js";
import type { FileFormat } from "../inspect/types.js";
import { type FetchSettings, fetchResolved, resolveDownload, stagingDir, statedSize } from "./fetch-source.js";
import type { PredictedCandidate } from "./install-pipeline.js";
import type { ResolvedSource } from "./resolve-source.js";

/** One URL of `install`, as reported in `downloads` of its JSON. */
export interface DownloadRecord {
  input: string;
  service: ResolvedSource["service"];
  url: string;
  fileName: string;
  /** Where the file was (or, on a dry run, would be) downloaded before installing. */
  path: string;
  /** Exact after downloading; before, what the service states (Civitai's is rounded), or null. */
  size: number | null;
  sha256: string | null;
  downloaded: boolean;
  resumedFrom: number;
  civitai: {
    modelId: number;
    versionId: number;
    modelName: string | null;
    type: string | null;
    baseModel: string | null;
    /** Civitai's type/base against the downloaded file's header; filled in once it is inspected. */
    disagreements: string[];
  } | null;
}

export interface StagedSources {
  /** Downloaded files, to go through the pipeline like local files. */
  paths: string[];
  /** Dry run: what Civitai says each file is, planned without downloading. */
  predicted: PredictedCandidate[];
  downloads: DownloadRecord[];
}

/** Civitai's LoRA-family type names that name an algorithm. */
const ALGORITHM_BY_TYPE: Readonly<Record<string, Algorithm>> = { lora: "lora", locon: "locon", dora: "dora" };
/** Civitai file `metadata.format` → container; Civitai calls torch files "PickleTensor" whatever their layout. */
const FORMAT_BY_CIVITAI: Readonly<Record<string, FileFormat>> = {
  safetensor: "safetensors",
  pickletensor: "torch-zip",
};

/**
 * Resolves every URL and, unless `dryRun`, downloads it into the WebUI's staging folder (same filesystem, so the
 * install is a rename; a `.part` left by an interrupted run is resumed). A Civitai download gets its
 * `.civitai.info` and preview from the version it was resolved through, so they move with it into the WebUI.
 */
export async function stageDownloads(
  inputs: readonly string[],
  webuiRoot: string,
  settings: FetchSettings & { dryRun: boolean },
): Promise<StagedSources> {
  const staged: StagedSources = { paths: [], predicted: [], downloads: [] };
  const dir = stagingDir(webuiRoot);
  for (const input of inputs) {
    const resolved = await resolveDownload(input, settings);
    const { source, fileName } = resolved;
    const civitai = source.civitai ?? null;
    const record: DownloadRecord = {
      input,
      service: source.service,
      url: source.url,
      fileName,
      path: join(dir, fileName),
      size: statedSize(source),
      sha256: settings.sha256 ?? source.expectedSha256 ?? null,
      downloaded: false,
      resumedFrom: 0,
      civitai: civitai && {
        modelId: civitai.modelId,
        versionId: civitai.versionId,
        modelName: civitai.modelName ?? null,
        type: civitai.modelType ?? null,
        baseModel: civitai.baseModel ?? null,
        disagreements: [],
      },
    };
    staged.downloads.push(record);
    if (settings.dryRun) {
      const prediction = predictCandidate(record, source);
      if (prediction) staged.predicted.push(prediction);
      continue;
    }
    const result = await fetchResolved(resolved, dir, { ...settings, replace: true });
    Object.assign(record, {
      path: result.path,
      size: result.size,
      sha256: result.sha256,
      downloaded: true,
      resumedFrom: result.resumedFrom,
    });
    if (civitai)
      await writeCivitaiSidecars(result.path, civitai.version, {
        tokens: new Map(),
        baseUrls: baseUrlsFromEnv(settings.env),
      });
    staged.paths.push(result.path);
  }
  return staged;
}

/**
 * What a dry run can say about a file it does not download: Civitai's type and base stand in for the header. Plain
 * and Hugging Face URLs state no type, so their destination is only known after downloading.
 */
function predictCandidate(record: DownloadRecord, source: ResolvedSource): PredictedCandidate | null {
  const type = source.civitai?.modelType;
  const kind = kindsForCivitaiType(type)?.[0];
  if (!kind) return null;
  const format =
    FORMAT_BY_CIVITAI[(source.civitai?.format ?? "").toLowerCase()] ??
    (/\.(safetensors|sft)$/i.test(record.fileName) ? "safetensors" : "torch-zip");
  return {
    candidate: {
      source: record.path,
      size: record.size ?? 0,
      format,
      verdict: "safe",
      error: null,
      classification: {
        kind,
        algorithm: kind === "lora" ? (ALGORITHM_BY_TYPE[type!.toLowerCase()] ?? null) : null,
        base: baseForCivitaiBaseModel(source.civitai?.baseModel) ?? "unknown",
        variant: null,
        architecture: null,
        confidence: "low",
        evidence: [
          evidence(
            "civitai-prediction",
            `predicted from Civitai's type ${type} and base ${source.civitai?.baseModel ?? "?"}; ` +
              `the header decides after download`,
          ),
        ],
      },
    },
    sha256: record.sha256,
  };
}
