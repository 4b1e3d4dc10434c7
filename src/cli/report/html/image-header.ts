/**
 * What a preview's first bytes say it is, read without decoding a pixel: the format from its magic bytes (never the
 * name), and for the formats sdmodels decodes, the dimensions the decoder will allocate for. A decompression bomb
 * declares its size here, so it is refused before any decoder runs.
 */
export type ImageHeader =
  | { format: "png"; width: number; height: number; interlaced: boolean; bitsPerPixel: number }
  | { format: "jpeg"; width: number; height: number }
  | { format: "gif" }
  | { format: "webp" };

/** Why a header gives no image to decode. */
export type ImageHeaderProblem =
  /** No PNG, JPEG, GIF or WebP signature (SVG, which can carry script, is never recognised). */
  | { type: "not-an-image" }
  /** The signature is right but the size cannot be read before decoding (no IHDR first, two IHDRs, no SOF). */
  | { type: "malformed-header"; format: "png" | "jpeg"; detail: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Channels per PNG colour type (grey, -, RGB, palette, grey+alpha, -, RGBA). */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function readImageHeader(bytes: Uint8Array): ImageHeader | ImageHeaderProblem {
  const starts = (magic: number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);
  if (starts(PNG_SIGNATURE)) return pngHeader(bytes);
  if (starts([0xff, 0xd8, 0xff])) return jpegHeader(bytes);
  if (starts([0x47, 0x49, 0x46, 0x38])) return { format: "gif" };
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return { format: "webp" };
  return { type: "not-an-image" };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A PNG's chunks as its header lays them out (type, where the data starts, its declared length), read from lengths
 * alone, up to IEND or the end of the bytes. A length past the end is yielded as declared: the decoder reports the
 * truncation.
 */
export function* pngChunks(bytes: Uint8Array): Generator<{ type: string; start: number; length: number }> {
  const data = view(bytes);
  for (let at = PNG_SIGNATURE.length; at + 8 <= bytes.length; ) {
    const length = data.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    yield { type, start: at + 8, length };
    if (type === "IEND") return;
    at += 12 + length; // length, type, data, CRC
  }
}

/**
 * IHDR must be the first chunk and the only one: a decoder that honoured a second IHDR would allocate for a size
 * this check never saw.
 */
function pngHeader(bytes: Uint8Array): ImageHeader | ImageHeaderProblem {
  const malformed = (detail: string): ImageHeaderProblem => ({ type: "malformed-header", format: "png", detail });
  const data = view(bytes);
  let header: Extract<ImageHeader, { format: "png" }> | null = null;
  for (const { type, start, length } of pngChunks(bytes)) {
    if (type !== "IHDR") {
      if (header === null) return malformed("IHDR is not the first chunk");
      continue;
    }
    if (header !== null) return malformed("a second IHDR chunk");
    if (length !== 13 || start + 13 > bytes.length) return malformed("IHDR is cut short");
    const channels = PNG_CHANNELS[bytes[start + 9]!];
    if (channels === undefined) return malformed(`colour type ${bytes[start + 9]} does not exist`);
    if (data.getUint32(start) === 0 || data.getUint32(start + 4) === 0) return malformed("IHDR declares no size");
    header = {
      format: "png",
      width: data.getUint32(start),
      height: data.getUint32(start + 4),
      interlaced: bytes[start + 12] === 1,
      bitsPerPixel: channels * bytes[start + 8]!,
    };
  }
  return header ?? malformed("no IHDR chunk");
}

/** JPEG markers that carry no length (RST0-7, SOI, EOI, TEM). */
function standalone(marker: number): boolean {
  return (marker >= 0xd0 && marker <= 0xd9) || marker === 0x01;
}

/** SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function startOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The frame size from the first SOF segment, walking segment lengths from SOI; the scan data is never entered. */
function jpegHeader(bytes: Uint8Array): ImageHeader | ImageHeaderProblem {
  const malformed = (detail: string): ImageHeaderProblem => ({ type: "malformed-header", format: "jpeg", detail });
  const data = view(bytes);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return malformed(`no marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (standalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === 0xda) return malformed("scan data before any frame header");
    if (startOfFrame(marker)) {
      if (at + 9 > bytes.length) return malformed("frame header is cut short");
      const height = data.getUint16(at + 5);
      const width = data.getUint16(at + 7);
      // Height 0 defers it to a DNL marker after the scan: the size would be known only while decoding.
      if (height === 0 || width === 0) return malformed("the frame header declares no size");
      return { format: "jpeg", width, height };
    }
    at += 2 + data.getUint16(at + 2);
  }
  return malformed("no frame header");
}
