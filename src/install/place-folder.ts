import { lstat, mkdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileChangedError, identityOf } from "../model/file-identity.js";
import { copyFileTo, fsyncDir } from "./copy-file.js";
import { destinationExists } from "./errors.js";
import { readTree, sameShape, type TreeEntry, treeBytes, treeChange } from "./folder-tree.js";
import { tempPathFor } from "./temp-files.js";
import type { FileIdentity } from "./types.js";

export interface PlacedFolder {
  method: "rename" | "copy";
  /** The tree that was placed, as read at the source before anything moved. */
  source: TreeEntry[];
  /** For a copy: the tree at the destination right after it was committed (undo removes only that); else null. */
  installed: TreeEntry[] | null;
}

export interface PlaceFolderOptions {
  /** Copy even on one filesystem and leave the source alone. */
  keepSource: boolean;
  /** The folder as it was inspected (checked by the caller on entry; the moved name must still be it). */
  expected: FileIdentity;
  onBytes?: (copied: number, total: number) => void;
  signal?: AbortSignal;
  onTemp?: (path: string, identity: FileIdentity) => Promise<void>;
  onTree?: (tree: TreeEntry[]) => Promise<void>;
}

/** Thrown when a folder copy does not hold what its source holds; nothing was placed. */
export class FolderCopyMismatchError extends Error {
  readonly code = "ECOPYMISMATCH";
  constructor(readonly path: string) {
    super(`the copy of ${path} does not hold the same files at the same sizes; nothing was installed`);
    this.name = "FolderCopyMismatchError";
  }
}

/**
 * Places a folder (a diffusers pipeline) at `destination` without ever replacing anything there. Its tree is read
 * first, and a symbolic link or special file anywhere in it is refused before anything moves (see readTree).
 *
 * - Same filesystem, moving: one rename, over an empty folder reserved under the final name (see renameNoReplace).
 * - Across filesystems (EXDEV), or keeping the source: the tree is copied into `.<name>.sdmodels-tmp-<random>` in
 *   the target folder (named to the caller through `onTemp` before a byte is written), each file checked against
 *   its identity as read and fsynced; then verified — the source must still be the tree that was read (nothing
 *   written, added or removed during the copy) and the copy must hold the same entries at the same sizes — and only
 *   then renamed to the final name. Any failure or abort removes the temp folder, so there is never a half folder
 *   under the final name. The source is left in place; the caller removes it once the group is complete.
 */
export async function placeFolder(
  source: string,
  destination: string,
  options: PlaceFolderOptions,
): Promise<PlacedFolder> {
  const tree = await readTree(source);
  // Checked again when the final name is taken; this only spares copying a whole tree to a name that is taken.
  if (
    await lstat(destination).then(
      () => true,
      () => false,
    )
  )
    throw destinationExists(destination);
  await options.onTree?.(tree);
  if (!options.keepSource) {
    try {
      await renameNoReplace(source, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
      return copyFolder(source, destination, tree, options);
    }
    // A swap between the caller's lstat and the rename would have moved another folder: put it back.
    // By inode only: moving a folder to another parent may update its own times.
    const now = await lstat(destination);
    if (now.dev !== options.expected.dev || now.ino !== options.expected.ino) {
      await renameNoReplace(destination, source).catch(() => undefined);
      throw new FileChangedError(source, "ino");
    }
    await fsyncDir(dirname(destination));
    return { method: "rename", source: tree, installed: null };
  }
  return copyFolder(source, destination, tree, options);
}

async function copyFolder(
  source: string,
  destination: string,
  tree: readonly TreeEntry[],
  options: PlaceFolderOptions,
): Promise<PlacedFolder> {
  const temp = tempPathFor(dirname(destination), basename(destination));
  // Not recursive: an existing name is not ours to fill or remove.
  await mkdir(temp, { mode: (await lstat(source)).mode & 0o777 });
  try {
    await options.onTemp?.(temp, identityOf(await lstat(temp)));
    const total = treeBytes(tree);
    let done = 0;
    for (const entry of tree) {
      const to = join(temp, entry.path);
      if (entry.type === "dir") {
        await mkdir(to);
        continue;
      }
      await copyFileTo(join(source, entry.path), to, entry.identity, {
        ...(options.signal ? { signal: options.signal } : {}),
        onBytes: (copied) => options.onBytes?.(done + copied, total),
      });
      done += entry.identity.size;
    }
    options.signal?.throwIfAborted();
    if (treeChange(tree, await readTree(source)) !== null) throw new FileChangedError(source, "ctimeMs");
    const copied = await readTree(temp);
    if (!sameShape(tree, copied)) throw new FolderCopyMismatchError(source);
    // Every new name durable before the folder gets its final one (and before the caller may delete the source).
    for (const entry of [...copied].reverse()) if (entry.type === "dir") await fsyncDir(join(temp, entry.path));
    await fsyncDir(temp);
    await renameNoReplace(temp, destination);
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(destination));
  return { method: "copy", source: [...tree], installed: await readTree(destination) };
}

/**
 * rename() of a folder that never replaces anything: the final name is reserved with mkdir (EEXIST on any existing
 * name), then the folder is renamed over that empty folder of ours. rename() replaces only an empty folder, so one
 * that somebody filled in between makes it fail (ENOTEMPTY) instead of replacing it. Node has no
 * `renameat2(RENAME_NOREPLACE)`.
 */
async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    await mkdir(to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw destinationExists(to);
    throw error;
  }
  try {
    await rename(from, to);
  } catch (error) {
    await rmdir(to).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") throw destinationExists(to);
    throw error;
  }
}
