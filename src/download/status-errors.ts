import {
  type DownloadError,
  HttpStatusError,
  InvalidSourceError,
  NetworkError,
  NotAuthorizedError,
  NotFoundError,
  RateLimitedError,
} from "./errors.js";
import { tokenFingerprint } from "./tokens.js";

/** How much of an error body we read to quote it: Civitai's JSON errors are well under 1 KiB. */
export const ERROR_BODY_BYTES = 64 * 1024;
/** How much of the server's message goes into our one-line error. */
const QUOTE_CHARS = 300;

export type Service = "civitai" | "huggingface" | "other";

/**
 * Undoes the escapes a server may wrap an echoed credential in: JSON `\uXXXX`, URL `%XX` and HTML `&#…;`. The
 * quote is for a human, so showing the decoded characters loses nothing, and a token is then found in any form.
 */
function decodeEscapes(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#x([0-9a-fA-F]{1,6});/g, (match, hex: string) => fromCodePoint(parseInt(hex, 16)) ?? match)
    .replace(/&#([0-9]{1,7});/g, (match, dec: string) => fromCodePoint(Number(dec)) ?? match)
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run; // not UTF-8: leave the escapes as they were
      }
    });
}

function fromCodePoint(code: number): string | undefined {
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Replaces every secret with its fingerprint, in whatever escaped form the server echoed it. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = decodeEscapes(text);
  for (const secret of secrets) if (secret) out = out.replaceAll(secret, tokenFingerprint(secret));
  return out;
}

/**
 * The server's own words from an error body: Civitai's `error`/`message` fields, an HTML `<title>`, or text. Every
 * secret in `secrets` is redacted before the quote is shortened, so that shortening cannot leave part of one.
 */
export function messageFromBody(body: string, secrets: Iterable<string> = []): string {
  const text = body.replace(/^\uFEFF/, "").trim();
  let quoted = "";
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === "object" && !Array.isArray(json)) {
      const fields = json as Record<string, unknown>;
      quoted = [fields.error, fields.message].filter((v): v is string => typeof v === "string" && v !== "").join(": ");
    }
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    quoted = title ?? (text.startsWith("<") ? "an HTML page" : text);
  }
  const line = redactSecrets(quoted, secrets).replace(/\s+/g, " ").trim();
  return line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line;
}

/**
 * `Retry-After` as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent or bad.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const CIVITAI_TOKEN_ADVICE =
  "log in to Civitai and set CIVITAI_TOKEN (or pass --token) with an API key from civitai.com/user/account";
const HF_TOKEN_ADVICE =
  "the repository may be gated or private: accept its terms on Hugging Face and set HF_TOKEN (or pass --token)";

function advice(status: number, service: Service, quoted: string, hadToken: boolean): string {
  if (status === 401 || status === 403) {
    if (service === "civitai" && /early access/i.test(quoted))
      return (
        "this version is in Early Access; " +
        "it can be downloaded by supporters now and by everyone when early access ends"
      );
    if (service === "civitai" && /disabled downloads/i.test(quoted))
      return "the creator has disabled downloads of this file";
    if (hadToken)
      return status === 403
        ? "the token was sent but does not grant access to this file"
        : "the token was rejected; check that it is current";
    if (service === "civitai") return CIVITAI_TOKEN_ADVICE;
    if (service === "huggingface") return HF_TOKEN_ADVICE;
    return "the server wants credentials";
  }
  if (status === 404)
    return service === "civitai"
      ? "no such model, version or file (check the id and the type/format filters)"
      : "not found";
  if (status === 410) return "the model was archived or taken down and can no longer be downloaded";
  if (status === 429) return "rate limited; wait a while before trying again";
  return "";
}

export interface StatusContext {
  /** The token sent with the request that got this answer, if any: its fingerprint is named. */
  sentToken?: string;
  /** Every credential in play, redacted wherever the body echoes one. */
  secrets?: Iterable<string>;
  retryAfter?: string;
}

/** A typed, one-line error for a non-2xx answer. Mentions at most the token's fingerprint. */
export function errorForStatus(
  status: number,
  host: string,
  service: Service,
  body: string,
  context: StatusContext = {},
): DownloadError {
  const { sentToken } = context;
  // Some servers echo the credential they refused ("invalid token abc…"); quote their words, never the token.
  const quoted = messageFromBody(body, [...(context.secrets ?? []), ...(sentToken ? [sentToken] : [])]);
  const retryAfterMs = parseRetryAfter(context.retryAfter);
  const tip = advice(status, service, quoted, sentToken !== undefined);
  const parts = [`HTTP ${status} from ${host}`];
  if (quoted) parts.push(`"${quoted}"`);
  if (tip) parts.push(tip);
  if (retryAfterMs !== undefined && retryAfterMs > 0)
    parts.push(`the server asks to wait ${Math.ceil(retryAfterMs / 1000)} s`);
  if (sentToken) parts.push(`token ${tokenFingerprint(sentToken)}`);
  const message = parts.join(" — ");
  if (status === 400) return new InvalidSourceError(message);
  if (status === 401 || status === 403) return new NotAuthorizedError(message, status);
  if (status === 404 || status === 410) return new NotFoundError(message, status);
  if (status === 429) return new RateLimitedError(message, retryAfterMs);
  if (status >= 500) return new NetworkError(message, { failure: { kind: "http-status", status }, retryAfterMs });
  return new HttpStatusError(message, status);
}

/** Reads at most ERROR_BODY_BYTES of a body as text and discards the rest. */
export async function readBodySnippet(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= ERROR_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString("utf8");
}
