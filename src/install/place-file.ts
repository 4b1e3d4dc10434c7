import type { FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { FileChangedError, identityChange, identityOf } from "../model/file-identity.js";
import { NotRegularFileError, specialFileType } from "../read/open-regular-file.js";
import { copyFileTo, fsyncDir, type PlaceFs, REAL_FS } from "./copy-file.js";
import { destinationExists } from "./errors.js";
import type { TreeEntry } from "./folder-tree.js";
import { type PlacedFolder, placeFolder } from "./place-folder.js";
import { tempPathFor } from "./temp-files.js";
import type { FileIdentity } from "./types.js";

export type { PlaceFs };

/**
 * link() errors meaning "this filesystem has no hard links": FAT/exFAT give EPERM, SMB and some FUSE mounts ENOTSUP
 * or EOPNOTSUPP, others ENOSYS; EMLINK is a full link count. EPERM is also Linux's answer (protected_hardlinks) to
 * linking another user's file, where a rename is just as right.
 */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"]);

export interface PlaceOptions {
  /** Copy even on one filesystem and leave the source alone. */
  keepSource: boolean;
  onBytes?: (copied: number, total: number) => void;
  /**
   * The source as it was inspected. Nothing is placed unless the source still is that file, and a copy is checked
   * on the opened descriptor before and after copying, so what lands is what was inspected. Without it, the lstat
   * taken on entry is the reference.
   */
  expected?: FileIdentity;
  /** Aborts a copy between chunks: the partial temp file is removed and the signal's reason is thrown. */
  signal?: AbortSignal;
  /**
   * Called once the temp file (for a folder: the temp folder) exists and before any byte goes into it, so a journal
   * can name it for recovery.
   */
  onTemp?: (path: string, identity: FileIdentity) => Promise<void>;
  /** For a folder: called with its tree as read before anything moves, so a journal can record what travels. */
  onTree?: (tree: TreeEntry[]) => Promise<void>;
  /**
   * A symbolic link at `source` is placed as the link itself (its text, never its target's bytes): for a model the
   * user named by a link, and for putting back what was placed. Without it a link is refused like any file that is
   * not regular (`not-a-regular-file`): a sidecar travels neither as a link nor as its target's bytes.
   */
  carryLink?: boolean;
  fs?: PlaceFs;
}

/**
 * Puts `source`'s content at `destination` without ever overwriting anything and without a moment where a partial
 * file carries the final name.
 *
 * - Same filesystem, moving: `link(source, destination)` then `unlink(source)` — an atomic rename that fails with
 *   EEXIST instead of replacing a file that appeared since planning (Node has no `renameat2(RENAME_NOREPLACE)`).
 *   A crash between the two calls leaves two names for one inode: nothing lost.
 * - Across filesystems (EXDEV), or keeping the source: copy into `.<name>.sdmodels-tmp-<random>` in the target folder
 *   (opened O_EXCL), fsync it, link it to the final name (same no-overwrite rule), fsync the folder. The source is
 *   left in place; the caller removes it once every file of the group is placed (the result says `method: "copy"`),
 *   so a crash at any point leaves the source, or the source and a complete target.
 * - A symbolic link is refused unless `carryLink`; then it is moved as a link (a copy recreates the link, never the
 *   bytes it points to). Anything else that is not a regular file (FIFO, device, folder) is refused unopened.
 *
 * Where the filesystem has no hard links, the final name is first reserved with an O_EXCL create (which fails on
 * any existing name, and on a case-insensitive folder on any name differing only in case) and the file is renamed
 * over that empty placeholder of ours.
 */
export async function placeFile(
  source: string,
  destination: string,
  options: PlaceOptions,
): Promise<{ method: "rename" | "copy"; folder?: PlacedFolder }> {
  const fs = options.fs ?? REAL_FS;
  const before = await fs.lstat(source);
  const expected = options.expected ?? identityOf(before);
  const change = identityChange(expected, identityOf(before));
  if (change) throw new FileChangedError(source, change);
  // A diffusers pipeline folder moves whole (see placeFolder).
  if (before.isDirectory()) {
    const folder = await placeFolder(source, destination, { ...options, expected });
    return { method: folder.method, folder };
  }
  if (!before.isFile() && !(before.isSymbolicLink() && options.carryLink))
    throw new NotRegularFileError(source, specialFileType(before));
  const copy = () =>
    before.isSymbolicLink()
      ? copyLink(source, destination, fs)
      : copyIntoPlace(source, destination, expected, options, fs);

  if (options.keepSource) {
    await copy();
    return { method: "copy" };
  }
  try {
    await commitNoReplace(source, destination, fs, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await copy();
    return { method: "copy" };
  }
  try {
    // A swap between the lstat above and link() would have moved another file: the new name must be that inode.
    const moved = identityChange(expected, identityOf(await fs.lstat(destination)), false);
    if (moved) throw new FileChangedError(source, moved);
    await fsyncDir(dirname(destination), fs);
  } catch (error) {
    // A failure must mean "nothing changed", or the caller's journal and rollback would be wrong.
    await commitNoReplace(destination, source, fs, false).catch(() => undefined);
    throw error;
  }
  return { method: "rename" };
}

async function copyIntoPlace(
  source: string,
  destination: string,
  expected: FileIdentity,
  options: PlaceOptions,
  fs: PlaceFs,
): Promise<void> {
  const temp = tempPathFor(dirname(destination), basename(destination));
  await copyFileTo(
    source,
    temp,
    expected,
    {
      ...(options.onBytes ? { onBytes: options.onBytes } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onCreated: async (identity) => options.onTemp?.(temp, identity),
    },
    fs,
  );
  let committed = false;
  try {
    await commitNoReplace(temp, destination, fs, true);
    committed = true;
    // The new name must be durable before the caller may delete the source.
    await fsyncDir(dirname(destination), fs);
  } catch (error) {
    await fs.unlink(committed ? destination : temp).catch(() => undefined);
    throw error;
  }
}

/** A link across filesystems: the same link text under the new name, never the target's bytes. */
async function copyLink(source: string, destination: string, fs: PlaceFs): Promise<void> {
  const temp = tempPathFor(dirname(destination), basename(destination));
  await fs.symlink(await fs.readlink(source), temp);
  try {
    await commitNoReplace(temp, destination, fs, true);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * rename(from, to) that refuses to replace an existing `to`. `sameFolder`: `from` and `to` share a folder, so EXDEV
 * can only mean a filesystem (some SMB and FUSE mounts) that refuses links, not a move across devices.
 */
async function commitNoReplace(from: string, to: string, fs: PlaceFs, sameFolder: boolean): Promise<void> {
  try {
    await fs.link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") throw destinationExists(to);
    if (!NO_HARD_LINKS.has(code) && !(sameFolder && code === "EXDEV")) throw error;
    await renameOverReservation(from, to, fs);
    return;
  }
  try {
    await fs.unlink(from);
  } catch (error) {
    // Could not drop the old name: take the new one back, so a failure leaves exactly what was there before.
    await fs.unlink(to).catch(() => undefined);
    throw error;
  }
}

/** Without hard links: claim `to` with an exclusive create, then rename over our own empty placeholder. */
async function renameOverReservation(from: string, to: string, fs: PlaceFs): Promise<void> {
  let placeholder: FileHandle;
  try {
    placeholder = await fs.open(to, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw destinationExists(to);
    throw error;
  }
  await placeholder.close();
  try {
    await fs.rename(from, to);
  } catch (error) {
    await fs.unlink(to).catch(() => undefined);
    throw error;
  }
}
