import { civitaiDisagreements } from "../civitai/cross-check.js";
import { lookupCivitaiByHash, writeCivitaiSidecars } from "../civitai/index.js";
import type { Classification } from "../classify/types.js";
import { baseUrlsFromEnv, createTokenSet } from "../download/index.js";
import type { FileHasher } from "./file-hasher.js";
import type { StatusLine } from "./progress.js";

/** What `--civitai` learned about one file; an element of the `civitai` field in JSON output. */
export interface CivitaiMatch {
  path: string;
  sha256: string;
  /** False when Civitai does not know the hash. */
  found: boolean;
  modelId: number | null;
  versionId: number | null;
  modelName: string | null;
  versionName: string | null;
  type: string | null;
  baseModel: string | null;
  /** Sidecars written beside the file (none on a dry run, or when they already existed). */
  sidecars: string[];
  /** Civitai's type/base against the header classification; empty when they agree. */
  disagreements: string[];
}

export interface CivitaiLookupOptions {
  env: NodeJS.ProcessEnv;
  hasher: FileHasher;
  /** Write `<stem>.civitai.info` and `<stem>.preview.png`; false on a dry run, which touches nothing. */
  writeSidecars: boolean;
  /** `--token`, sent to the Civitai API host only. */
  token?: string;
  status?: StatusLine;
}

/**
 * Looks each file up on Civitai by its full SHA-256 (from the hash cache when possible) and writes Civitai Helper's
 * sidecars beside it, so that an install moves them along with the model. Files are looked up one at a time: the
 * by-hash endpoint is rate limited and a library sort can hold hundreds of files.
 */
export async function lookUpOnCivitai(
  files: readonly { path: string; classification: Classification }[],
  options: CivitaiLookupOptions,
): Promise<CivitaiMatch[]> {
  const baseUrls = baseUrlsFromEnv(options.env);
  const tokens = createTokenSet({
    ...baseUrls,
    env: options.env,
    token: options.token,
    tokenFor: baseUrls.civitaiBaseUrl,
  });
  const api = { civitaiBaseUrl: baseUrls.civitaiBaseUrl, tokens };
  const matches: CivitaiMatch[] = [];
  for (const [index, file] of files.entries()) {
    options.status?.update(`Civitai ${index + 1}/${files.length} ${file.path}`);
    const { sha256 } = await options.hasher.hash(file.path);
    const version = await lookupCivitaiByHash(sha256, api);
    const sidecars =
      version && options.writeSidecars
        ? await writeCivitaiSidecars(file.path, version, { tokens: new Map(), baseUrls })
        : [];
    matches.push({
      path: file.path,
      sha256,
      found: version !== null,
      modelId: version?.modelId ?? null,
      versionId: version?.id ?? null,
      modelName: version?.model?.name ?? null,
      versionName: version?.name ?? null,
      type: version?.model?.type ?? null,
      baseModel: version?.baseModel ?? null,
      sidecars,
      disagreements: version
        ? civitaiDisagreements({ type: version.model?.type, baseModel: version.baseModel }, file.classification)
        : [],
    });
  }
  return matches;
}
