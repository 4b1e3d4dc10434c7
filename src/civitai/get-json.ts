import type { z } from "zod";
import { backoffDelay, DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, isTransportError, sleep } from "../download/backoff.js";
import { BadResponseError, DownloadError, NetworkError, NotFoundError } from "../download/errors.js";
import { openUrl } from "../download/open-url.js";
import { errorForStatus, readBodySnippet } from "../download/status-errors.js";
import type { TokenSet } from "../download/tokens.js";

export interface CivitaiOptions {
  /** e.g. https://civitai.com (from SDMODELS_CIVITAI_URL via baseUrlsFromEnv). */
  civitaiBaseUrl: string;
  tokens: TokenSet;
  signal?: AbortSignal;
  retries?: number;
  retryBaseDelayMs?: number;
}

/** An API answer larger than this is not a version object; Civitai's largest (models with 100 versions) are ~2 MB. */
const MAX_API_RESPONSE_BYTES = 32 * 1024 * 1024;

async function readJson(body: AsyncIterable<Buffer>, url: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > MAX_API_RESPONSE_BYTES) throw new BadResponseError(`${url}: response larger than ${MAX_API_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadResponseError(`${new URL(url).host} answered ${new URL(url).pathname} with something that is not JSON`);
  }
}

/** GET `path` from the Civitai API and validate it; 5xx and 429 are retried with back-off. */
export async function getCivitaiJson<T extends z.ZodType>(path: string, schema: T, options: CivitaiOptions): Promise<z.infer<T>> {
  const url = new URL(path, options.civitaiBaseUrl.replace(/\/?$/, "/")).href;
  const retries = options.retries ?? DEFAULT_RETRIES;
  for (let failures = 0; ; failures++) {
    try {
      const response = await openUrl(url, { tokens: options.tokens, signal: options.signal, headers: { accept: "application/json" } });
      if (response.status < 200 || response.status > 299) {
        const body = await readBodySnippet(response.body);
        throw errorForStatus(response.status, new URL(response.url).host, "civitai", body, response.sentToken);
      }
      const parsed = schema.safeParse(await readJson(response.body, response.url));
      if (!parsed.success) throw new BadResponseError(`unexpected answer from ${new URL(url).pathname}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      return parsed.data;
    } catch (caught) {
      // A connection that dies while the JSON is read surfaces as undici's bare error, which names no URL.
      const error = isTransportError(caught)
        ? new NetworkError(`${new URL(url).host}${new URL(url).pathname}: ${(caught as Error).message}`, { cause: caught })
        : caught;
      const retryable = error instanceof DownloadError && (error.code === "NETWORK" || error.code === "RATE_LIMITED");
      if (!retryable || options.signal?.aborted || failures >= retries) throw error;
      await sleep(backoffDelay(failures, options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS), options.signal);
    }
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError && error.status === 404;
}
