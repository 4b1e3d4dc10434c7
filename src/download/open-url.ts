import { BadResponseError, InvalidSourceError, NetworkError } from "./errors.js";
import { type NetworkOptions, networkSettings } from "./network.js";
import { describeNetworkFailure, networkFailureOf } from "./network-failure.js";
import { type DispatchedResponse, dispatchRequest, type ResponseBody } from "./response-body.js";
import { type TokenSet, tokenForUrl } from "./tokens.js";
import { userAgent } from "./user-agent.js";

/** Civitai needs one hop (307 to signed storage), Hugging Face at most two; curl and browsers stop at 20–50. */
export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface OpenUrlOptions {
  method?: "GET" | "HEAD";
  headers?: Record<string, string>;
  tokens: TokenSet;
  signal?: AbortSignal;
  /** Stop at a redirect that leaves the origin instead of following it (huggingface_hub's metadata HEAD). */
  sameOriginOnly?: boolean;
  network?: NetworkOptions;
}

export interface OpenedUrl {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
  /** The URL that produced this response, after redirects. */
  url: string;
  /** Every `Location` followed, resolved to absolute URLs. */
  redirects: string[];
  /** The token sent on the last hop, if any, so errors can show its fingerprint. */
  sentToken: string | undefined;
}

export function headerValue(headers: OpenedUrl["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One request with our own redirect loop, so the token goes only to the origin it was given for: it is attached
 * while every hop so far stayed on the first URL's origin and never after the chain has left it (WHATWG fetch
 * strips Authorization cross-origin too; doing it ourselves keeps the rule explicit and tested).
 */
export async function openUrl(input: string, options: OpenUrlOptions): Promise<OpenedUrl> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidSourceError(`not a URL: ${input}`);
  }
  const origin = url.origin;
  const network = networkSettings(options.network);
  let leftOrigin = false;
  let method = options.method ?? "GET";
  const redirects: string[] = [];
  for (;;) {
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new InvalidSourceError(`unsupported URL scheme ${url.protocol}`);
    leftOrigin ||= url.origin !== origin;
    const token = leftOrigin ? undefined : tokenForUrl(options.tokens, url);
    const headers: Record<string, string> = {
      "user-agent": userAgent(),
      // A compressed body would make Content-Length and the SHA-256 describe different bytes.
      "accept-encoding": "identity",
      ...options.headers,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    let response: DispatchedResponse;
    try {
      response = await dispatchRequest(network.dispatcher, url, {
        method,
        headers,
        signal: options.signal,
        idleTimeoutMs: network.idleTimeoutMs,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const failure = networkFailureOf(error) ?? undefined;
      const words = failure ? describeNetworkFailure(failure) : (error as Error).message;
      throw new NetworkError(`could not reach ${url.host}: ${words}`, { cause: error, failure });
    }
    const location = headerValue(response.headers, "location");
    if (REDIRECT_STATUSES.has(response.statusCode) && location) {
      const next = URL.parse(location, url.href);
      if (next === null) {
        await response.body.dump();
        throw new BadResponseError(`${url.host} answered ${response.statusCode} with a Location that is not a URL`);
      }
      if (options.sameOriginOnly && next.origin !== origin) {
        return {
          status: response.statusCode,
          headers: response.headers,
          body: response.body,
          url: url.href,
          redirects,
          sentToken: token,
        };
      }
      await response.body.dump();
      if (redirects.length >= MAX_REDIRECTS)
        throw new NetworkError(`more than ${MAX_REDIRECTS} redirects from ${origin}`);
      redirects.push(next.href);
      if (response.statusCode === 303) method = method === "HEAD" ? "HEAD" : "GET";
      url = next;
      continue;
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      url: url.href,
      redirects,
      sentToken: token,
    };
  }
}
