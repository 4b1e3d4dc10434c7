import { lstat, readdir, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type FileIdentity, identityChange, identityOf } from "../model/file-identity.js";
import { NotRegularFileError, specialFileType } from "../read/open-regular-file.js";

/**
 * Entries walked in one model folder (a diffusers pipeline): real ones hold a few dozen files; the bound keeps a
 * folder that is something else (a dataset, a home directory) from being walked, journaled or copied whole.
 */
export const MAX_FOLDER_ENTRIES = 10_000;

/** One entry below a folder, by its path relative to the folder. */
export interface TreeEntry {
  path: string;
  type: "file" | "dir";
  identity: FileIdentity;
}

/** Why a folder cannot travel as a tree of regular files and folders. */
export class FolderTooLargeError extends Error {
  readonly code = "EFOLDERTOOLARGE";
  constructor(readonly path: string) {
    super(`${path} holds more than ${MAX_FOLDER_ENTRIES} entries: not a model folder sdmodels moves`);
    this.name = "FolderTooLargeError";
  }
}

/**
 * Every entry below `root`, parents before their contents, names sorted; nothing is followed. A symbolic link or a
 * special file anywhere below is refused ({@link NotRegularFileError} naming it): a link inside a moved folder
 * breaks or points outside it, a copy would carry either the link or bytes nobody inspected, and a FIFO or device
 * cannot be copied at all.
 */
export async function readTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel === "" ? name : join(rel, name);
      const info = await lstat(join(root, path));
      if (!info.isFile() && !info.isDirectory()) throw new NotRegularFileError(join(root, path), specialFileType(info));
      if (entries.push({ path, type: info.isFile() ? "file" : "dir", identity: identityOf(info) }) > MAX_FOLDER_ENTRIES)
        throw new FolderTooLargeError(root);
      if (info.isDirectory()) await walk(path);
    }
  };
  await walk("");
  return entries;
}

/** Bytes of the regular files of a tree. */
export function treeBytes(tree: readonly TreeEntry[]): number {
  return tree.reduce((sum, e) => sum + (e.type === "file" ? e.identity.size : 0), 0);
}

/**
 * The first relative path where `actual` is not `expected` (an entry added, gone, of another type, or a file
 * whose identity changed; ctime only where `withCtime`), or null. Folders compare by name and type: their times
 * move whenever their contents do, which the file and name comparisons already see.
 */
export function treeChange(
  expected: readonly TreeEntry[],
  actual: readonly TreeEntry[],
  withCtime = true,
): string | null {
  const now = new Map(actual.map((e) => [e.path, e]));
  for (const e of expected) {
    const a = now.get(e.path);
    if (!a || a.type !== e.type) return e.path;
    if (e.type === "file" && identityChange(e.identity, a.identity, withCtime)) return e.path;
    now.delete(e.path);
  }
  return now.keys().next().value ?? null;
}

/** Sizes of the files of a tree, by path: what a copy must reproduce. */
export function sameShape(a: readonly TreeEntry[], b: readonly TreeEntry[]): boolean {
  const key = (t: readonly TreeEntry[]) =>
    t.map((e) => `${e.type}:${e.path}:${e.type === "file" ? e.identity.size : 0}`);
  return JSON.stringify(key(a)) === JSON.stringify(key(b));
}

/**
 * Removes the folder at `root` if it still is exactly `expected` (see {@link treeChange}); returns null, or why it
 * stays: `source-changed` when anything in it changed (nothing is removed), else the errno code of the removal that
 * failed (a read-only folder or filesystem: nothing is removed when the first file cannot be).
 */
export async function removeTree(
  root: string,
  expected: readonly TreeEntry[],
  withCtime = true,
): Promise<string | null> {
  let now: TreeEntry[];
  try {
    now = await readTree(root);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "unexpected";
  }
  if (treeChange(expected, now, withCtime) !== null) return "source-changed";
  try {
    for (const e of [...now].reverse()) {
      if (e.type === "file") await unlink(join(root, e.path));
      else await rmdir(join(root, e.path));
    }
    await rmdir(root);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "unexpected";
  }
  return null;
}

/**
 * Removes a copy this batch made at `path`: a file, or a folder (`tree`: as it was installed) only while it still
 * is exactly that tree; otherwise it is left and the error says why.
 */
export async function removeCopy(path: string, tree: readonly TreeEntry[] | null | undefined): Promise<void> {
  if (!tree) return unlink(path);
  const kept = await removeTree(path, tree);
  if (kept)
    throw Object.assign(new Error(`${path} is not the folder that was installed (${kept}); left in place`), {
      code: kept,
    });
}
