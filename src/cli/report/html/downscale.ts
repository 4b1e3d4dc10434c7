/** An 8-bit RGBA bitmap, rows top to bottom, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * `image` shrunk so its longest side is at most `maxSide` (never enlarged), by area averaging: every source pixel
 * falls in exactly one output pixel, which is the mean of its pixels. Point sampling would alias a 4000 px
 * generation into noise; a box filter at this ratio looks like the picture. Colours are averaged weighted by alpha,
 * so transparent pixels (whose colour is arbitrary) do not darken the edges of what is visible.
 */
export function downscale(image: Rgba, maxSide: number): Rgba {
  const { width, height, data } = image;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const outWidth = Math.max(1, Math.round(width * scale));
  const outHeight = Math.max(1, Math.round(height * scale));
  const column = new Uint32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor((x * outWidth) / width);
  const sums = new Float64Array(outWidth * outHeight * 4);
  const counts = new Uint32Array(outWidth * outHeight);
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * outHeight) / height) * outWidth;
    for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
      const cell = row + column[x]!;
      const alpha = data[i + 3]!;
      const o = cell * 4;
      sums[o] = sums[o]! + data[i]! * alpha;
      sums[o + 1] = sums[o + 1]! + data[i + 1]! * alpha;
      sums[o + 2] = sums[o + 2]! + data[i + 2]! * alpha;
      sums[o + 3] = sums[o + 3]! + alpha;
      counts[cell] = counts[cell]! + 1;
    }
  }
  const out = new Uint8Array(outWidth * outHeight * 4);
  for (let cell = 0; cell < counts.length; cell++) {
    const o = cell * 4;
    const alphaSum = sums[o + 3]!;
    if (alphaSum > 0) for (let c = 0; c < 3; c++) out[o + c] = Math.round(sums[o + c]! / alphaSum);
    out[o + 3] = Math.round(alphaSum / counts[cell]!);
  }
  return { width: outWidth, height: outHeight, data: out };
}
