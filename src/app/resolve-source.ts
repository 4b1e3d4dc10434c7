import type { CivitaiOptions } from "../civitai/get-json.js";
import { getModel, getModelVersion } from "../civitai/get-model-version.js";
import type { CivitaiFile, CivitaiVersion } from "../civitai/schemas.js";
import { type RetryOptions, withRetries } from "../download/backoff.js";
import type { BaseUrls } from "../download/base-urls.js";
import { NotFoundError } from "../download/errors.js";
import { chooseFileName } from "../download/file-name.js";
import type { NetworkOptions } from "../download/network.js";
import { headerValue, openUrl } from "../download/open-url.js";
import { parseSource, rebaseCivitaiUrl } from "../download/parse-source.js";
import { errorForStatus } from "../download/status-errors.js";
import type { TokenSet } from "../download/tokens.js";

// Which file a user's URL or AIR names: Civitai's API, a Hugging Face HEAD, or the URL itself. It sits above both
// the Civitai client and the downloader because it calls both; the downloader never calls Civitai's API.

export interface ResolvedSource {
  service: "civitai" | "huggingface" | "http";
  /** What to hand to downloadFile. */
  url: string;
  /** Suggested (unsanitised) name: Civitai's uploaded file name, the Hugging Face path's last segment, or the URL's. */
  fileName?: string;
  /** Exact size when the server states it (Hugging Face `X-Linked-Size` / `Content-Length`). */
  expectedSize?: number;
  /** Civitai's `sizeKB × 1024`: rounded, for display and plausibility checks only. */
  approximateSize?: number;
  /** Lower-case SHA-256 from Civitai's `hashes.SHA256` or a Hugging Face LFS ETag. */
  expectedSha256?: string;
  civitai?: {
    modelId: number;
    versionId: number;
    modelName?: string;
    modelType?: string;
    baseModel?: string;
    air?: string;
    fileType?: string;
    format?: string;
    version: CivitaiVersion;
  };
  huggingface?: { repoId: string; revision: string; path: string; commit?: string };
}

export interface ResolveOptions extends BaseUrls, RetryOptions {
  tokens?: TokenSet;
  network?: NetworkOptions;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The file a version's download URL would serve: `fileId`, else the `type`/`format`/`size`/`fp` filters the download
 * endpoint accepts, else the primary file (the endpoint's default).
 */
export function pickCivitaiFile(
  files: readonly CivitaiFile[],
  query: URLSearchParams,
  fileId?: number,
): CivitaiFile | undefined {
  if (fileId !== undefined) return files.find((file) => file.id === fileId);
  const same = (a: string | null | undefined, b: string | null) =>
    b === null || (a ?? "").toLowerCase() === b.toLowerCase();
  const matching = files.filter(
    (file) =>
      same(file.type, query.get("type")) &&
      same(file.metadata?.format, query.get("format")) &&
      same(file.metadata?.size, query.get("size")) &&
      same(file.metadata?.fp, query.get("fp")),
  );
  return matching.find((file) => file.primary) ?? matching[0];
}

function sha256Of(file: CivitaiFile): string | undefined {
  const entry = Object.entries(file.hashes ?? {}).find(([kind]) => kind.toLowerCase() === "sha256");
  const value = entry?.[1].toLowerCase();
  return value && SHA256_HEX.test(value) ? value : undefined;
}

async function resolveCivitai(
  parsed: Extract<ReturnType<typeof parseSource>, { service: "civitai" }>,
  options: ResolveOptions,
): Promise<ResolvedSource> {
  const api: CivitaiOptions = {
    civitaiBaseUrl: options.civitaiBaseUrl,
    tokens: options.tokens ?? new Map(),
    signal: options.signal,
    retries: options.retries,
    retryBaseDelayMs: options.retryBaseDelayMs,
    onRetry: options.onRetry,
    network: options.network,
  };
  let versionId = parsed.versionId;
  if (versionId === undefined && parsed.modelId !== undefined) {
    const model = await getModel(parsed.modelId, api);
    versionId = model.modelVersions?.[0]?.id; // the API lists the newest version first
    if (versionId === undefined) throw new NotFoundError(`Civitai model ${parsed.modelId} has no published version`);
  }
  const version = await getModelVersion(versionId!, api);
  const mode = version.model?.mode;
  if (mode === "Archived" || mode === "TakenDown") {
    throw new NotFoundError(
      `Civitai version ${version.id} is ${mode === "Archived" ? "archived" : "taken down"} ` +
        `and has no downloadable files`,
    );
  }
  const file = pickCivitaiFile(version.files ?? [], parsed.query, parsed.fileId);
  if (!file) throw new NotFoundError(`Civitai version ${version.id} has no file matching the request`);
  const downloadUrl =
    parsed.downloadUrl ??
    rebaseCivitaiUrl(
      file.downloadUrl ?? `${options.civitaiBaseUrl}/api/download/models/${version.id}`,
      options.civitaiBaseUrl,
    );
  return {
    service: "civitai",
    url: downloadUrl,
    fileName: file.name,
    approximateSize: file.sizeKB === undefined ? undefined : Math.round(file.sizeKB * 1024),
    expectedSha256: sha256Of(file),
    civitai: {
      modelId: version.modelId,
      versionId: version.id,
      modelName: version.model?.name,
      modelType: version.model?.type,
      baseModel: version.baseModel,
      air: version.air,
      fileType: file.type,
      format: file.metadata?.format ?? undefined,
      version,
    },
  };
}

/** huggingface_hub's metadata HEAD: follow same-origin redirects only; LFS files answer 302 with X-Linked-*. */
async function resolveHuggingFace(
  parsed: Extract<ReturnType<typeof parseSource>, { service: "huggingface" }>,
  options: ResolveOptions,
): Promise<ResolvedSource> {
  const response = await withRetries(
    new URL(parsed.resolveUrl).host,
    async () => {
      const answer = await openUrl(parsed.resolveUrl, {
        method: "HEAD",
        tokens: options.tokens ?? new Map(),
        signal: options.signal,
        sameOriginOnly: true,
        network: options.network,
      });
      await answer.body.dump(); // a HEAD answer has no body to quote
      if (answer.status >= 400) {
        throw errorForStatus(answer.status, new URL(answer.url).host, "huggingface", "", {
          sentToken: answer.sentToken,
          retryAfter: headerValue(answer.headers, "retry-after"),
        });
      }
      return answer;
    },
    options,
  );
  const etag = (headerValue(response.headers, "x-linked-etag") ?? headerValue(response.headers, "etag") ?? "")
    .replace(/^W\//, "")
    .replace(/"/g, "")
    .toLowerCase();
  const size =
    headerValue(response.headers, "x-linked-size") ??
    (response.status < 300 ? headerValue(response.headers, "content-length") : undefined);
  return {
    service: "huggingface",
    url: parsed.resolveUrl,
    fileName: parsed.path.split("/").pop(),
    expectedSize: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined,
    expectedSha256: SHA256_HEX.test(etag) ? etag : undefined,
    huggingface: {
      repoId: parsed.repoId,
      revision: parsed.revision,
      path: parsed.path,
      commit: headerValue(response.headers, "x-repo-commit"),
    },
  };
}

/**
 * Turns a user's source (Civitai page/version/download URL or AIR, Hugging Face resolve/blob URL, plain URL) into
 * a download URL plus whatever the service states about the file. Plain URLs cost no request.
 */
export async function resolveSource(input: string, options: ResolveOptions): Promise<ResolvedSource> {
  const parsed = parseSource(input, options);
  if (parsed.service === "civitai") return resolveCivitai(parsed, options);
  if (parsed.service === "huggingface") return resolveHuggingFace(parsed, options);
  return { service: "http", url: parsed.url, fileName: chooseFileName({ url: parsed.url }) ?? undefined };
}
