import type { z } from "zod";
import { type RetryOptions, withRetries } from "../download/backoff.js";
import { BadResponseError, NetworkError, NotFoundError } from "../download/errors.js";
import type { NetworkOptions } from "../download/network.js";
import { describeNetworkFailure, networkFailureOf } from "../download/network-failure.js";
import { headerValue, openUrl } from "../download/open-url.js";
import { errorForStatus, readBodySnippet } from "../download/status-errors.js";
import type { TokenSet } from "../download/tokens.js";

export interface CivitaiOptions extends RetryOptions {
  /** e.g. https://civitai.com (from SDMODELS_CIVITAI_URL via baseUrlsFromEnv). */
  civitaiBaseUrl: string;
  tokens: TokenSet;
  network?: NetworkOptions;
}

/** An API answer larger than this is not a version object; Civitai's largest (models with 100 versions) are ~2 MB. */
const MAX_API_RESPONSE_BYTES = 32 * 1024 * 1024;

async function readJson(body: AsyncIterable<Buffer>, url: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > MAX_API_RESPONSE_BYTES)
      throw new BadResponseError(`${url}: response larger than ${MAX_API_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadResponseError(
      `${new URL(url).host} answered ${new URL(url).pathname} with something that is not JSON`,
    );
  }
}

/** GET `path` from the Civitai API and validate it; 5xx, 429 and transport failures are retried with back-off. */
export async function getCivitaiJson<T extends z.ZodType>(
  path: string,
  schema: T,
  options: CivitaiOptions,
): Promise<z.infer<T>> {
  const url = new URL(path, options.civitaiBaseUrl.replace(/\/?$/, "/"));
  return withRetries(
    url.host,
    async () => {
      try {
        const response = await openUrl(url.href, {
          tokens: options.tokens,
          signal: options.signal,
          headers: { accept: "application/json" },
          network: options.network,
        });
        if (response.status < 200 || response.status > 299) {
          const body = await readBodySnippet(response.body);
          throw errorForStatus(response.status, new URL(response.url).host, "civitai", body, {
            sentToken: response.sentToken,
            secrets: options.tokens.values(),
            retryAfter: headerValue(response.headers, "retry-after"),
          });
        }
        const parsed = schema.safeParse(await readJson(response.body, response.url));
        if (!parsed.success)
          throw new BadResponseError(
            `unexpected answer from ${url.pathname}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
          );
        return parsed.data;
      } catch (caught) {
        // A connection that dies while the JSON is read surfaces as undici's bare error, which names no URL.
        const failure = networkFailureOf(caught);
        if (failure === null || caught instanceof NetworkError) throw caught;
        throw new NetworkError(`${url.host}${url.pathname}: ${describeNetworkFailure(failure)}`, {
          cause: caught,
          failure,
        });
      }
    },
    options,
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError && error.status === 404;
}
