import { inflateSync } from "node:zlib";
import jpeg from "jpeg-js";
import pngjs from "pngjs";
import { downscale, type Rgba } from "./downscale.js";
import { type ImageHeader, pngChunks } from "./image-header.js";
import { MAX_PREVIEW_PIXELS } from "./preview-limits.js";

/**
 * Longest side of an embedded thumbnail: the card shows 96 CSS px, so this stays sharp on a 2× display and when
 * the page is zoomed, while a thumbnail stays a few tens of KB.
 */
export const THUMBNAIL_MAX_SIDE = 256;

/** JPEG quality of opaque thumbnails: no visible blocking at this size, about 15-30 KB for a generation. */
const THUMBNAIL_JPEG_QUALITY = 80;

/**
 * jpeg-js's own allocation ceiling. It keeps every DCT coefficient as a 32-bit integer until the end (256 bytes per
 * 8×8 block per component): a 4:4:4 JPEG at {@link MAX_PREVIEW_PIXELS} needs about 400 MB plus its RGBA output.
 * This leaves room for that, and a file whose tables claim more is refused by the decoder before it allocates.
 */
const JPEG_DECODE_MEMORY_MB = 1024;

/** A header this module decodes. */
export type DecodableHeader = Extract<ImageHeader, { format: "png" | "jpeg" }>;

export interface Thumbnail {
  /** PNG when the picture has transparency, else JPEG. */
  mime: "image/png" | "image/jpeg";
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** The decoder refused or failed on the bytes; `detail` is its message. */
export interface Undecodable {
  type: "undecodable";
  detail: string;
}

/**
 * Bytes an interlaced PNG inflates to: Adam7's seven sub-images, each row with its filter byte. pngjs bounds the
 * inflation of a plain PNG by the size IHDR implies, but inflates an interlaced one unbounded.
 */
function adam7Bytes(width: number, height: number, bitsPerPixel: number): number {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil(Math.max(0, width - x0) / dx);
    const h = Math.ceil(Math.max(0, height - y0) / dy);
    if (w > 0 && h > 0) total += h * (Math.ceil((w * bitsPerPixel) / 8) + 1);
  }
  return total;
}

function decodePng(bytes: Uint8Array, header: Extract<ImageHeader, { format: "png" }>): Rgba {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (header.interlaced) {
    const idat = [...pngChunks(bytes)]
      .filter((c) => c.type === "IDAT")
      .map((c) => buffer.subarray(c.start, c.start + c.length));
    // Inflated first with the bound the header implies, so pngjs's unbounded inflation never meets a bomb.
    const implied = adam7Bytes(header.width, header.height, header.bitsPerPixel);
    try {
      inflateSync(Buffer.concat(idat), { maxOutputLength: implied });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_BUFFER_TOO_LARGE") throw error;
      throw new Error(`its image data inflates past the ${implied} bytes its header implies`);
    }
  }
  const png = pngjs.PNG.sync.read(buffer);
  return { width: png.width, height: png.height, data: png.data };
}

function decodeJpeg(bytes: Uint8Array): Rgba {
  return jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: MAX_PREVIEW_PIXELS / 1e6,
    maxMemoryUsageInMB: JPEG_DECODE_MEMORY_MB,
  });
}

function opaque(image: Rgba): boolean {
  for (let i = 3; i < image.data.length; i += 4) if (image.data[i] !== 255) return false;
  return true;
}

function encode(image: Rgba): Thumbnail {
  const { width, height } = image;
  if (opaque(image))
    return { mime: "image/jpeg", bytes: jpeg.encode(image, THUMBNAIL_JPEG_QUALITY).data, width, height };
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { mime: "image/png", bytes: pngjs.PNG.sync.write(png), width, height };
}

/**
 * A thumbnail of a PNG or JPEG preview whose header declares at most {@link MAX_PREVIEW_PIXELS}: decoded by
 * pure-JavaScript decoders (no native code parses the bytes), shrunk to {@link THUMBNAIL_MAX_SIDE} and encoded
 * anew, so the page embeds only bytes sdmodels wrote (no text chunks, no EXIF, no trailing data).
 */
export function makeThumbnail(bytes: Uint8Array, header: DecodableHeader): Thumbnail | Undecodable {
  let image: Rgba;
  try {
    image = header.format === "png" ? decodePng(bytes, header) : decodeJpeg(bytes);
  } catch (error) {
    return { type: "undecodable", detail: error instanceof Error ? error.message : String(error) };
  }
  return encode(downscale(image, THUMBNAIL_MAX_SIDE));
}
