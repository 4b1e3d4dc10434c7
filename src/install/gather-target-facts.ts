import { constants } from "node:fs";
import { access, lstat, readdir, stat, statfs } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TargetFolderFacts } from "./types.js";

/**
 * What a real run into each destination folder depends on and planning can know: whether it can be written (the
 * folder, or the nearest existing folder it would be created under), the free space of its filesystem, which
 * device that is, and whether names there collide regardless of case. Reads only; safe for a dry run.
 */
export async function gatherTargetFacts(dirs: Iterable<string>): Promise<Record<string, TargetFolderFacts>> {
  const facts: Record<string, TargetFolderFacts> = {};
  for (const dir of dirs) {
    const existing = await nearestExisting(dir);
    if (existing === null) continue;
    const writable = await access(existing, constants.W_OK | constants.X_OK).then(
      () => true,
      () => false,
    );
    const space = await statfs(existing).catch(() => null);
    facts[dir] = {
      writable,
      freeBytes: space ? space.bavail * space.bsize : null,
      // Followed: a models folder linked to a shared library (Stability Matrix) is written on the library's device.
      dev: (await stat(existing)).dev,
      caseInsensitive: await probeCaseInsensitive(existing),
    };
  }
  return facts;
}

async function nearestExisting(dir: string): Promise<string | null> {
  for (let d = dir; ; d = dirname(d)) {
    const info = await lstat(d).catch(() => null);
    if (
      info?.isDirectory() ||
      (info?.isSymbolicLink() &&
        (await access(d).then(
          () => true,
          () => false,
        )))
    )
      return d;
    if (dirname(d) === d) return null;
  }
}

/** `Lora` → `lORA`: a name that differs from the original in every cased character. */
function swapCase(name: string): string {
  return [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
}

/**
 * Asks the filesystem, without writing: a name inside `dir` (else `dir`'s own name, else its parents') looked up with
 * its case swapped finds the same inode only where lookups ignore case (exFAT, FAT, NTFS, APFS/HFS+ by default,
 * ext4 casefold folders). Names inside the folder come first: a mounted drive's root is named by the filesystem above.
 */
export async function probeCaseInsensitive(dir: string): Promise<boolean> {
  const inside = (await readdir(dir).catch(() => [] as string[])).map((name) => join(dir, name));
  const ancestors: string[] = [];
  for (let d = dir; dirname(d) !== d; d = dirname(d)) ancestors.push(d);
  for (const path of [...inside, ...ancestors]) {
    const name = basename(path);
    const swapped = swapCase(name);
    if (swapped === name) continue;
    const [original, variant] = await Promise.all([
      lstat(path).catch(() => null),
      lstat(join(dirname(path), swapped)).catch(() => null),
    ]);
    if (!original) continue;
    return variant !== null && variant.dev === original.dev && variant.ino === original.ino;
  }
  return false;
}
