import { checkModelConfig } from "./model-config-policy.js";
import type { SidecarContent, SidecarRejection } from "./sidecar-policy.js";

/** Leading bytes that tell an image or video container apart: enough for every signature below. */
export const SIGNATURE_BYTES = 12;

const startsWith = (bytes: Uint8Array, at: number, ascii: string) =>
  bytes.length >= at + ascii.length && [...ascii].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/**
 * PNG, JPEG, GIF or WebP. The extension is not matched against the format: Civitai Helper saves every preview as
 * `.png` whatever Civitai served, and browsers sniff the format, so any image travels under any image name.
 */
function isImage(head: Uint8Array): boolean {
  return (
    startsWith(head, 0, "\x89PNG\r\n\x1a\n") ||
    (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) ||
    startsWith(head, 0, "GIF87a") ||
    startsWith(head, 0, "GIF89a") ||
    (startsWith(head, 0, "RIFF") && startsWith(head, 8, "WEBP"))
  );
}

/** An ISO base media file (MP4): a `ftyp` box first. */
function isVideo(head: Uint8Array): boolean {
  return startsWith(head, 4, "ftyp");
}

/** Strict UTF-8 (a BOM allowed), or null. */
function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Whether `bytes` are what a sidecar of `content` must be, or why not. Images and videos are judged by their first
 * {@link SIGNATURE_BYTES}; JSON (one object: every writer stores a record), text (UTF-8, no NUL) and model configs by
 * the whole file, which the caller has bounded.
 */
export function judgeSidecarContent(content: SidecarContent, bytes: Uint8Array): SidecarRejection | null {
  switch (content) {
    case "image":
      return isImage(bytes) ? null : { type: "wrong-content", expected: "image" };
    case "video":
      return isVideo(bytes) ? null : { type: "wrong-content", expected: "video" };
    case "json": {
      const text = utf8(bytes);
      return text !== null && isJsonObject(text) ? null : { type: "wrong-content", expected: "json" };
    }
    case "text": {
      const text = utf8(bytes);
      return text !== null && !text.includes("\0") ? null : { type: "wrong-content", expected: "text" };
    }
    case "model-config": {
      const text = utf8(bytes);
      const problem = text === null ? { type: "syntax" as const, detail: "not UTF-8" } : checkModelConfig(text);
      return problem ? { type: "config-refused", problem } : null;
    }
  }
}

/** How many leading bytes {@link judgeSidecarContent} needs of a file of `size` bytes. */
export function bytesToJudge(content: SidecarContent, size: number): number {
  return content === "image" || content === "video" ? Math.min(size, SIGNATURE_BYTES) : size;
}
