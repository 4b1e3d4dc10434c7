import type { BaseUrls } from "./base-urls.js";
import { InvalidSourceError } from "./errors.js";

/** What a user-supplied download source names, before any network call. */
export type ParsedSource =
  | {
      service: "civitai";
      modelId?: number;
      versionId?: number;
      fileId?: number;
      downloadUrl?: string;
      query: URLSearchParams;
    }
  | { service: "huggingface"; repoId: string; revision: string; path: string; resolveUrl: string }
  | { service: "http"; url: string };

/** Hosts that mean Civitai whatever base URL is configured; requests then go to the configured base. */
const CIVITAI_HOSTS = new Set(["civitai.com", "www.civitai.com"]);
const HF_HOSTS = new Set(["huggingface.co", "hf.co"]);
/**
 * urn:air:{ecosystem}:{type}:{source}:{id}[@{version}][+{fileId}][.{format}]
 * (civitai/civitai-developer-docs site/guide/air.md).
 */
const AIR = /^urn:air:[a-z0-9_.-]+:[a-z0-9_.-]+:civitai:(\d+)(?:@(\d+))?(?:\+(\d+))?(?:\.[a-z0-9]+)?$/i;

function id(text: string | null | undefined): number | undefined {
  return text && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function sameHost(url: URL, base: string, aliases: ReadonlySet<string>): boolean {
  return url.host.toLowerCase() === new URL(base).host.toLowerCase() || aliases.has(url.host.toLowerCase());
}

/** Points a civitai.com URL at the configured base (a mirror or a test server); other URLs are unchanged. */
export function rebaseCivitaiUrl(url: string, civitaiBaseUrl: string): string {
  const parsed = new URL(url);
  if (!CIVITAI_HOSTS.has(parsed.host.toLowerCase())) return url;
  return new URL(parsed.pathname + parsed.search, civitaiBaseUrl.replace(/\/?$/, "/")).href;
}

/**
 * Recognises Civitai model pages (`/models/ID[/slug][?modelVersionId=V]`), version pages and API URLs, download
 * URLs (`/api/download/models/V?…`), AIRs, Hugging Face `resolve`/`blob` file URLs, and any other http(s) URL.
 * A bare number is refused: it can be a model id or a version id (the civitai CLI asks instead of guessing).
 */
export function parseSource(input: string, bases: BaseUrls): ParsedSource {
  const text = input.trim();
  const air = AIR.exec(text);
  if (air)
    return {
      service: "civitai",
      modelId: id(air[1]),
      versionId: id(air[2]),
      fileId: id(air[3]),
      query: new URLSearchParams(),
    };
  if (/^urn:air:/i.test(text)) throw new InvalidSourceError(`not a Civitai AIR sdmodels can download: ${text}`);
  if (/^\d+$/.test(text))
    throw new InvalidSourceError(`${text} could be a model id or a version id; pass a Civitai URL or an AIR`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidSourceError(`not a URL, AIR or Hugging Face file URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidSourceError(`unsupported URL scheme ${url.protocol}`);
  const segments = url.pathname.split("/").filter(Boolean);

  if (sameHost(url, bases.civitaiBaseUrl, CIVITAI_HOSTS)) {
    const query = url.searchParams;
    const [a, b, c, d] = segments;
    if (a === "models" && id(b) !== undefined)
      return { service: "civitai", modelId: id(b), versionId: id(query.get("modelVersionId")), query };
    if (a === "model-versions" && id(b) !== undefined) return { service: "civitai", versionId: id(b), query };
    if (a === "api" && b === "v1" && c === "model-versions" && id(d) !== undefined)
      return { service: "civitai", versionId: id(d), query };
    if (a === "api" && b === "v1" && c === "models" && id(d) !== undefined)
      return { service: "civitai", modelId: id(d), query };
    if (a === "api" && b === "download" && c === "models" && id(d) !== undefined) {
      return {
        service: "civitai",
        versionId: id(d),
        fileId: id(query.get("fileId")),
        downloadUrl: rebaseCivitaiUrl(url.href, bases.civitaiBaseUrl),
        query,
      };
    }
    throw new InvalidSourceError(`not a Civitai model, version or download URL: ${text}`);
  }

  if (sameHost(url, bases.hfBaseUrl, HF_HOSTS)) {
    // A mirror may serve the hub under a path (HF_ENDPOINT=https://host/hf), as huggingface_hub allows: drop it.
    const prefix = new URL(bases.hfBaseUrl).pathname.split("/").filter(Boolean);
    const onMirror = url.host.toLowerCase() === new URL(bases.hfBaseUrl).host.toLowerCase();
    if (onMirror && prefix.every((part, i) => segments[i] === part)) segments.splice(0, prefix.length);
    const repoLength = segments[0] === "datasets" || segments[0] === "spaces" ? 3 : 2;
    const kind = segments[repoLength];
    if ((kind === "resolve" || kind === "blob") && segments.length > repoLength + 2) {
      const repoId = segments.slice(0, repoLength).join("/");
      const revision = segments[repoLength + 1]!;
      const path = segments.slice(repoLength + 2).join("/");
      const resolveUrl = new URL(`${repoId}/resolve/${revision}/${path}`, bases.hfBaseUrl.replace(/\/?$/, "/")).href;
      let decoded: { revision: string; path: string };
      try {
        decoded = { revision: decodeURIComponent(revision), path: decodeURIComponent(path) };
      } catch {
        throw new InvalidSourceError(`malformed %-escape in Hugging Face URL: ${text}`);
      }
      return { service: "huggingface", repoId, ...decoded, resolveUrl };
    }
    throw new InvalidSourceError(`not a Hugging Face file URL (…/resolve/<revision>/<path> or …/blob/…): ${text}`);
  }

  return { service: "http", url: url.href };
}
