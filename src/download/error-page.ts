import { safetensorsDataOffset } from "../read/sniff.js";

/** Names whose content is legitimately text, so a JSON or YAML body is the file and not an error page. */
const TEXT_EXTENSIONS = new Set([".json", ".yaml", ".yml", ".txt", ".md", ".csv"]);

/**
 * True when the first bytes of a body are an HTML or JSON page rather than a model. Civitai and login walls answer
 * 200 with such pages, which tools then saved as "models" (alexandersokol/sd-model-organizer #77). A safetensors
 * file whose length prefix happens to start with `{`, `[`, `<` or a space is recognised by its header and kept.
 */
export function looksLikeErrorPage(head: Uint8Array, fileName: string, totalSize?: number): boolean {
  const dot = fileName.lastIndexOf(".");
  if (dot >= 0 && TEXT_EXTENSIONS.has(fileName.slice(dot).toLowerCase())) return false;
  if (safetensorsDataOffset(head, totalSize ?? Number.MAX_SAFE_INTEGER) !== null) return false;
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const first = head[i];
  return first === 0x3c || first === 0x7b || first === 0x5b; // < { [
}
