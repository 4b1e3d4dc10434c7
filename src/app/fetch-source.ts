import { mkdir, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RetryEvent } from "../download/backoff.js";
import {
  baseUrlsFromEnv,
  createTokenSet,
  type DownloadResult,
  downloadFile,
  InvalidSourceError,
  redactQueryTokens,
  sanitizeFileName,
  type TokenSet,
} from "../download/index.js";
import { describeNetworkFailure } from "../download/network-failure.js";
import { formatByteProgress, type StatusLine } from "./progress.js";
import { type ResolvedSource, resolveSource } from "./resolve-source.js";

export interface FetchSettings {
  env: NodeJS.ProcessEnv;
  /** `--token`: sent only to the host of the URL given (for an AIR, the Civitai API). */
  token?: string;
  /** `--sha256`: always checked. */
  sha256?: string;
  /**
   * False with `--no-verify`: the size and SHA-256 the service states are not checked (an explicit --sha256 still is).
   */
  verify: boolean;
  status: StatusLine;
}

export interface ResolvedDownload {
  input: string;
  source: ResolvedSource;
  tokens: TokenSet;
  /** The sanitised name the file is saved under. */
  fileName: string;
}

/** Names the URL in a download failure (the library's messages name the host), keeping its type and exit code. */
function naming(input: string, error: unknown): unknown {
  if (error instanceof Error) {
    const named = error.message.includes(input) ? error.message : `${input}: ${error.message}`;
    error.message = redactQueryTokens(named, input); // a key pasted in the URL's query is never printed
  }
  return error;
}

/** `retry 2/4 in 4 s: connection refused`: every retry is said, so a slow failure never looks like a hang. */
export function describeRetry(event: RetryEvent): string {
  return (
    `retry ${event.retry}/${event.retries} in ${Math.round(event.delayMs / 1000)} s: ` +
    `${describeNetworkFailure(event.failure)} (${event.host})`
  );
}

/** The options every request of a download run shares: proxies from the run's environment, retries announced. */
function networkOptions(settings: FetchSettings) {
  return { network: { env: settings.env }, onRetry: (event: RetryEvent) => settings.status.note(describeRetry(event)) };
}

/**
 * `mkdir -p` that can be undone: returns the folders it created, deepest first, so that a failed download
 * leaves no empty folder behind.
 */
async function makeDir(dir: string): Promise<string[]> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return [];
  const created: string[] = [];
  for (let current = dir; current.length >= first.length; current = dirname(current)) created.push(current);
  return created;
}

async function removeIfEmpty(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await rmdir(dir); // fails when a .part was kept for resuming, which is as it should be
    } catch {
      return;
    }
  }
}

/** Resolves a user's URL or AIR to what will be downloaded, with a spinner; costs no request for plain URLs. */
export async function resolveDownload(input: string, settings: FetchSettings): Promise<ResolvedDownload> {
  const baseUrls = baseUrlsFromEnv(settings.env);
  const tokenFor = URL.canParse(input) ? input : baseUrls.civitaiBaseUrl;
  const tokens = createTokenSet({ ...baseUrls, env: settings.env, token: settings.token, tokenFor });
  settings.status.update(`Resolving ${redactQueryTokens(input)}`);
  try {
    const source = await resolveSource(input, { ...baseUrls, tokens, ...networkOptions(settings) });
    const fileName = sanitizeFileName(source.fileName ?? "");
    if (!fileName) throw new InvalidSourceError(`${input}: the server states no usable file name`);
    return { input, source, tokens, fileName };
  } catch (error) {
    throw naming(input, error);
  }
}

/**
 * Downloads into `dir` (created if missing, and removed again if the download fails and leaves it empty). Civitai
 * and Hugging Face name the file; a plain URL's server does (Content-Disposition), else the URL. A `.part` from an
 * earlier run of the same URL is resumed; `replace` lets a staging folder drop a complete leftover of an earlier,
 * refused attempt.
 */
export async function fetchResolved(
  resolved: ResolvedDownload,
  dir: string,
  settings: FetchSettings & { replace: boolean },
): Promise<DownloadResult> {
  const created = await makeDir(dir);
  const began = Date.now();
  const { source } = resolved;
  try {
    return await downloadFile(source.url, {
      dir,
      fileName: source.service === "http" ? undefined : resolved.fileName,
      expectedSha256: settings.sha256 ?? (settings.verify ? source.expectedSha256 : undefined),
      expectedSize: settings.verify ? source.expectedSize : undefined,
      approximateSize: source.approximateSize,
      tokens: resolved.tokens,
      ...networkOptions(settings),
      baseUrls: baseUrlsFromEnv(settings.env),
      overwrite: settings.replace,
      onProgress: ({ received, total }) =>
        settings.status.update(
          `Downloading ${resolved.fileName} ` +
            formatByteProgress({
              done: received,
              total: total ?? source.approximateSize ?? null,
              elapsedMs: Date.now() - began,
            }),
        ),
    });
  } catch (error) {
    await removeIfEmpty(created);
    throw naming(resolved.input, error);
  }
}

/** The size to show before downloading: exact when the service states it, else Civitai's rounded figure. */
export function statedSize(source: ResolvedSource): number | null {
  return source.expectedSize ?? source.approximateSize ?? null;
}

/** Where `install` stages downloads: inside the WebUI root, so the final move is a rename and resumes survive runs. */
export function stagingDir(webuiRoot: string): string {
  return join(webuiRoot, ".sdmodels", "downloads");
}
