import { createHash } from "node:crypto";

/**
 * Bearer tokens by exact `host` (hostname plus any port, lower case). Matching is exact on purpose: InvokeAI's
 * regex-matched `remote_api_tokens` could send a token to look-alike hosts (invoke-ai/InvokeAI #7518).
 */
export type TokenSet = ReadonlyMap<string, string>;

export interface TokenSources {
  civitaiBaseUrl: string;
  hfBaseUrl: string;
  /** `--token`: applies to the host of `tokenFor` only (the URL being downloaded or looked up). */
  token?: string;
  tokenFor?: string;
  env?: NodeJS.ProcessEnv;
}

function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** `--token` for the host it was given for, then `CIVITAI_TOKEN` (or `CIVITAI_API_KEY`) and `HF_TOKEN`. */
export function createTokenSet(sources: TokenSources): TokenSet {
  const env = sources.env ?? process.env;
  const tokens = new Map<string, string>();
  const civitai = env.CIVITAI_TOKEN || env.CIVITAI_API_KEY;
  if (civitai) tokens.set(hostOf(sources.civitaiBaseUrl), civitai);
  if (env.HF_TOKEN) tokens.set(hostOf(sources.hfBaseUrl), env.HF_TOKEN);
  if (sources.token && sources.tokenFor) tokens.set(hostOf(sources.tokenFor), sources.token);
  // A token in the URL's query is a credential like --token: held here so every error redacts it.
  const [queryToken] = queryTokens(sources.tokenFor ?? "");
  if (queryToken && !tokens.has(hostOf(sources.tokenFor!))) tokens.set(hostOf(sources.tokenFor!), queryToken);
  return tokens;
}

/**
 * Query parameters that carry an API key (names compared in lower case). Civitai documents
 * `…/api/download/models/N?token=KEY`; the others are common spellings of the same idea.
 */
const TOKEN_QUERY_PARAMETERS: ReadonlySet<string> = new Set(["token", "access_token", "api_key", "apikey"]);

/** The non-empty values of `url`'s token query parameters; none when `url` is no URL. */
export function queryTokens(url: string): string[] {
  if (!URL.canParse(url)) return [];
  return [...new URL(url).searchParams]
    .filter(([name, value]) => value && TOKEN_QUERY_PARAMETERS.has(name.toLowerCase()))
    .map(([, value]) => value);
}

/**
 * `text` with every token in `url`'s query replaced by its fingerprint, as written in the URL (percent-encoded) or
 * decoded: what may be printed, logged or written to disk in place of a URL a user pasted with its key.
 */
export function redactQueryTokens(text: string, url: string = text): string {
  let out = text;
  for (const token of queryTokens(url)) {
    for (const form of new Set([encodeURIComponent(token), token])) out = out.replaceAll(form, tokenFingerprint(token));
  }
  return out;
}

export function tokenForUrl(tokens: TokenSet, url: URL): string | undefined {
  return tokens.get(url.host.toLowerCase());
}

/** What may be shown of a token: enough to tell two tokens apart, useless to an attacker. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash("sha256").update(token).digest("hex").slice(0, 8)}`;
}
