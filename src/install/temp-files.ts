import { randomBytes } from "node:crypto";
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

const TEMP_MARKER = ".sdmodels-tmp-";
const TEMP_NAME = /^\..*\.sdmodels-tmp-[0-9a-f]{12}$/;

/**
 * Longest part of the final name kept in a temp name, in UTF-8 bytes: names are limited to 255 bytes on common
 * filesystems, and the dot, the marker and the random suffix take 27. Counted in bytes, not UTF-16 units: 120
 * CJK characters are 360 bytes.
 */
const MAX_TEMP_NAME_PART_BYTES = 200;

/**
 * A temp file nobody has written to for this long is the remnant of a killed copy, not a live one: a live copy
 * writes a chunk every few seconds even to a slow USB disk, so ten minutes leaves a wide margin.
 */
export const STALE_TEMP_AGE_MS = 10 * 60_000;

/** `.<name>.sdmodels-tmp-<random>`: hidden, in the target folder (same filesystem), recognisable after a crash. */
export function tempPathFor(dir: string, name: string): string {
  return join(dir, `.${truncateUtf8(name, MAX_TEMP_NAME_PART_BYTES)}${TEMP_MARKER}${randomBytes(6).toString("hex")}`);
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Finds temp files of interrupted copies in `dirs` and removes those that are stale. Fresh ones may belong to a copy
 * still running in another process; they are reported, not touched.
 */
export async function sweepLeftoverTemps(
  dirs: Iterable<string>,
  now = Date.now(),
): Promise<{ path: string; removed: boolean }[]> {
  const found: { path: string; removed: boolean }[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter(isTempName)) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      const stale = now - info.mtimeMs >= STALE_TEMP_AGE_MS;
      const removed =
        stale &&
        (await unlink(path).then(
          () => true,
          () => false,
        ));
      found.push({ path, removed });
    }
  }
  return found;
}
