import { open, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { splitName } from "../../../install/file-names.js";
import type { Preview } from "./report-model.js";

/**
 * Largest preview embedded as it is. There is no image library in the dependencies to downscale, so a preview is
 * embedded whole or not at all; Civitai's `.preview.png` thumbnails are usually well under this.
 */
export const MAX_PREVIEW_BYTES = 512 * 1024;

/** Total bytes of previews in one report, so a folder of thousands of images still gives a file a browser opens. */
export const MAX_PREVIEWS_TOTAL_BYTES = 32 * 1024 * 1024;

/** Preview names the UIs look for beside a model, in A1111's order of preference. */
const PREVIEW_SUFFIXES = [
  ".preview.png",
  ".preview.jpg",
  ".preview.jpeg",
  ".preview.webp",
  ".png",
  ".jpg",
  ".jpeg",
  ".webp",
  ".gif",
];

/** Raster formats by magic bytes: the MIME type comes from the content, never the name, and SVG is never embedded. */
function imageMime(head: Uint8Array): string | null {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Each model's preview sidecar as a data URI (or why it is left out), within the per-file and total budgets. */
export async function loadPreviews(models: readonly string[]): Promise<Map<string, Preview>> {
  const previews = new Map<string, Preview>();
  const listings = new Map<string, Set<string>>();
  let budget = MAX_PREVIEWS_TOTAL_BYTES;
  for (const model of models) {
    const dir = dirname(model);
    if (!listings.has(dir)) listings.set(dir, new Set(await readdir(dir).catch(() => [] as string[])));
    const names = listings.get(dir)!;
    const stem = splitName(basename(model)).stem;
    const name = PREVIEW_SUFFIXES.map((s) => stem + s).find((n) => names.has(n));
    if (name === undefined) continue;
    previews.set(model, await readPreview(join(dir, name), budget));
    const got = previews.get(model)!;
    if ("dataUri" in got) budget -= got.dataUri.length;
  }
  return previews;
}

async function readPreview(path: string, budget: number): Promise<Preview> {
  const handle = await open(path, "r").catch(() => null);
  if (!handle) return { omitted: `${basename(path)} cannot be read` };
  try {
    const { size } = await handle.stat();
    if (size > MAX_PREVIEW_BYTES)
      return {
        omitted:
          `${basename(path)} is ${Math.round(size / 1024)} KB, ` +
          `over the ${MAX_PREVIEW_BYTES / 1024} KB embedding cap`,
      };
    if ((size * 4) / 3 > budget) return { omitted: `${basename(path)}: the report's preview budget is spent` };
    const bytes = new Uint8Array(size);
    await handle.read(bytes, 0, size, 0);
    const mime = imageMime(bytes);
    if (mime === null) return { omitted: `${basename(path)} is not a PNG, JPEG, GIF or WebP image` };
    return { dataUri: `data:${mime};base64,${Buffer.from(bytes).toString("base64")}` };
  } finally {
    await handle.close();
  }
}
