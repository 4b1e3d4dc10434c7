import { extname } from "node:path";
import { parse as parseContentDisposition } from "content-disposition";
import { MODEL_EXTENSIONS } from "../inspect/walk.js";

/**
 * Longest file name we produce, in UTF-8 bytes. ext4, APFS, NTFS and btrfs allow 255; the margin leaves room for
 * the `.part` suffix, sidecar suffixes like `.civitai.info`, and a `_2` clash suffix.
 */
export const MAX_FILE_NAME_BYTES = 200;
/** Our own partial-download names (`.part`, `.part.source`): never a name a server may pick. */
const PARTIAL_DOWNLOAD = /\.part(\.source)?$/i;
/** Extensions longer than this are treated as part of the name when shortening (no model extension is longer). */
const MAX_EXTENSION_CHARS = 16;

// Control characters (C0, DEL, C1) and bidirectional overrides, which can disguise an extension ("…gpj.exe").
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Characters Windows refuses in names (Win32 naming conventions), replaced so files move between systems. */
const WINDOWS_RESERVED = /[<>:"|?*]/g;
/** DOS device names are reserved with any extension ("nul.safetensors" cannot be created on Windows). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

function truncateUtf8(text: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

/**
 * Makes a server-supplied name safe to create inside the target directory, or returns null when nothing usable is
 * left. Only the last path segment is kept (RFC 6266 §4.3), so the result never contains a separator or `..`.
 */
export function sanitizeFileName(raw: string): string | null {
  const lastSegment = raw.normalize("NFC").split(/[/\\]/).pop() ?? "";
  let name = lastSegment
    .replace(INVISIBLE, "")
    .replace(WINDOWS_RESERVED, "_")
    .trim()
    .replace(/^[.\s]+/, "") // no hidden files, no "." or ".."
    .replace(/[.\s]+$/, ""); // Windows drops trailing dots and spaces, which would change the name
  if (!name) return null;
  const dot = name.lastIndexOf(".");
  const hasExtension =
    dot > 0 && name.length - dot - 1 <= MAX_EXTENSION_CHARS && /^[\p{L}\p{N}_-]+$/u.test(name.slice(dot + 1));
  let stem = hasExtension ? name.slice(0, dot) : name;
  const extension = hasExtension ? name.slice(dot) : "";
  if (WINDOWS_DEVICE.test(stem)) stem = `_${stem}`;
  const room = MAX_FILE_NAME_BYTES - Buffer.byteLength(extension);
  name = truncateUtf8(stem, room).replace(/[.\s]+$/, "") + extension;
  return name.replace(/^[.\s]+/, "") || null;
}

/**
 * Header values reach us decoded as latin-1; servers (Civitai among them) put raw UTF-8 bytes in a plain
 * `filename=`. Re-decode when the latin-1 code units form valid UTF-8, as Civitai Helper does; else keep them.
 */
export function redecodeLatin1(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(value, "latin1"));
  } catch {
    return value;
  }
}

/** The file name a `Content-Disposition` value carries (RFC 6266, `filename*` per RFC 5987/8187 preferred). */
export function fileNameFromContentDisposition(header: string): string | undefined {
  const { parameters } = parseContentDisposition(header);
  const name = parameters.filename;
  if (!name) return undefined;
  return parameters["filename*"] !== undefined ? name : redecodeLatin1(name);
}

export interface NameSources {
  contentDisposition?: string;
  /** Every redirect `Location` followed, in order; signed S3 URLs carry `response-content-disposition`. */
  redirects?: readonly string[];
  url: string;
}

/**
 * The name to save under: `Content-Disposition`, else a redirect's `response-content-disposition` query (latest
 * first), else the last URL path segment. Sanitised; null only if every source is empty or hostile.
 */
export function chooseFileName(sources: NameSources): string | null {
  const candidates: Array<() => string | undefined> = [
    () => (sources.contentDisposition ? fileNameFromContentDisposition(sources.contentDisposition) : undefined),
    ...[...(sources.redirects ?? [])].reverse().map((location) => () => {
      const query = new URL(location).searchParams.get("response-content-disposition");
      return query ? fileNameFromContentDisposition(query) : undefined;
    }),
    () => {
      const segment = new URL(sources.url).pathname.split("/").pop() ?? "";
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    },
  ];
  const urlCandidate = candidates.length - 1;
  for (const [index, candidate] of candidates.entries()) {
    let raw: string | undefined;
    try {
      raw = candidate();
    } catch {
      continue; // a malformed header or URL is just not a source
    }
    const name = raw === undefined ? null : sanitizeFileName(raw);
    // A server-chosen name must name a model file: `c.yaml` beside `c.safetensors` would be read by the WebUI as
    // that checkpoint's config, and `x.part` would pose as another download's partial file.
    if (!name || PARTIAL_DOWNLOAD.test(name)) continue;
    if (index === urlCandidate || MODEL_EXTENSIONS.has(extname(name).toLowerCase())) return name;
  }
  return null;
}
