import { readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { splitName } from "../../../install/file-names.js";
import { NotRegularFileError, openRegularFile } from "../../../read/open-regular-file.js";
import { readImageHeader } from "./image-header.js";
import {
  MAX_PREVIEW_FILE_BYTES,
  MAX_PREVIEW_PIXELS,
  MAX_PREVIEWS_TOTAL_BYTES,
  MAX_UNDECODED_PREVIEW_BYTES,
} from "./preview-limits.js";
import type { PreviewOmission } from "./preview-omission.js";
import type { Preview } from "./report-model.js";
import type { Thumbnailer, ThumbnailerOptions } from "./thumbnail-thread.js";

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

type Omission = PreviewOmission extends infer O ? (O extends unknown ? Omit<O, "file"> : never) : never;

/**
 * Previews decoded at once, each lane on its own worker thread: decoding is CPU-bound, so on a multi-core machine
 * two lanes take up to half the wall time of one, while peak memory stays twice that of one decode (about 0.7 GB for
 * a JPEG at the pixel bound); more lanes would multiply that on a user's machine.
 */
const DECODE_LANES = Math.max(1, Math.min(2, availableParallelism()));

/** Each model's preview sidecar name, in the UIs' order of preference. */
async function findPreviews(models: readonly string[]): Promise<{ model: string; path: string }[]> {
  const listings = new Map<string, Set<string>>();
  const found: { model: string; path: string }[] = [];
  for (const model of models) {
    const dir = dirname(model);
    if (!listings.has(dir)) listings.set(dir, new Set(await readdir(dir).catch(() => [] as string[])));
    const names = listings.get(dir)!;
    const stem = splitName(basename(model)).stem;
    const name = PREVIEW_SUFFIXES.map((s) => stem + s).find((n) => names.has(n));
    if (name !== undefined) found.push({ model, path: join(dir, name) });
  }
  return found;
}

/**
 * Each model's preview sidecar as an embedded thumbnail (or why it is left out), within the report's total budget,
 * spent in the order of `models` so the same files give the same page. PNG and JPEG previews are decoded and shrunk
 * on worker threads started on the first one, so the decoders load only when a report has a preview to decode; GIF
 * and WebP ones are embedded as they are while small.
 */
export async function loadPreviews(
  models: readonly string[],
  options: ThumbnailerOptions = {},
): Promise<Map<string, Preview>> {
  const previews = new Map<string, Preview>();
  const lanes: (Promise<Thumbnailer> | null)[] = new Array(DECODE_LANES).fill(null);
  const lane = (i: number) => () =>
    (lanes[i] ??= import("./thumbnail-thread.js").then((m) => m.startThumbnailer(options)));
  let budget = MAX_PREVIEWS_TOTAL_BYTES;
  try {
    const found = await findPreviews(models);
    for (let at = 0; at < found.length; at += DECODE_LANES) {
      const batch = found.slice(at, at + DECODE_LANES);
      const images = await Promise.all(batch.map(({ path }, i) => readPreview(path, lane(i))));
      for (const [i, image] of images.entries()) {
        const preview: Preview =
          "omitted" in image || image.dataUri.length <= budget
            ? image
            : { omitted: { file: basename(batch[i]!.path), type: "budget-spent", limit: MAX_PREVIEWS_TOTAL_BYTES } };
        if ("dataUri" in preview) budget -= preview.dataUri.length;
        previews.set(batch[i]!.model, preview);
      }
    }
  } finally {
    await Promise.all(lanes.map(async (thumbnailer) => (await thumbnailer)?.stop()));
  }
  return previews;
}

function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}

/** The whole file, if it is a regular file (never through a link, never a FIFO) within the size bound. */
async function readPreviewBytes(path: string): Promise<Uint8Array | Omission> {
  try {
    const { handle, info } = await openRegularFile(path, { followLinks: false });
    try {
      if (info.size > MAX_PREVIEW_FILE_BYTES)
        return { type: "file-too-large", size: info.size, limit: MAX_PREVIEW_FILE_BYTES };
      const bytes = new Uint8Array(info.size);
      const { bytesRead } = await handle.read(bytes, 0, info.size, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof NotRegularFileError) return { type: "not-a-file", found: error.fileType };
    return { type: "unreadable", code: (error as NodeJS.ErrnoException).code ?? "EIO" };
  }
}

async function readPreview(path: string, thumbnailer: () => Promise<Thumbnailer>): Promise<Preview> {
  const file = basename(path);
  const omitted = (o: Omission): Preview => ({ omitted: { file, ...o } as PreviewOmission });
  const bytes = await readPreviewBytes(path);
  if (!(bytes instanceof Uint8Array)) return omitted(bytes);
  const header = readImageHeader(bytes);
  if ("type" in header) return omitted(header);
  if (header.format === "gif" || header.format === "webp") {
    if (bytes.length > MAX_UNDECODED_PREVIEW_BYTES)
      return omitted({
        type: "not-decoded",
        format: header.format,
        size: bytes.length,
        limit: MAX_UNDECODED_PREVIEW_BYTES,
      });
    return { dataUri: dataUri(`image/${header.format}`, bytes) };
  }
  if (header.width * header.height > MAX_PREVIEW_PIXELS)
    return omitted({ type: "too-many-pixels", width: header.width, height: header.height, limit: MAX_PREVIEW_PIXELS });
  const thumbnail = await (await thumbnailer()).thumbnail(bytes, header);
  if ("type" in thumbnail) return omitted(thumbnail);
  return { dataUri: dataUri(thumbnail.mime, thumbnail.bytes) };
}
