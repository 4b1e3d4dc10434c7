import { constants, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as fsp from "node:fs/promises";
import { basename, dirname } from "node:path";
import { readChunks } from "../hash/read-chunks.js";
import { NotRegularFileError, specialFileType } from "../read/open-regular-file.js";
import { InstallError } from "./errors.js";
import { FileChangedError, identityChange, identityOf } from "./file-identity.js";
import { placeFolder } from "./place-folder.js";
import { tempPathFor } from "./temp-files.js";
import type { FileIdentity } from "./types.js";

/**
 * Bytes per read/write while copying across filesystems, two buffers of it in flight: large enough that syscall
 * overhead vanishes next to disk time, small enough that the buffers are negligible and progress is reported every
 * fraction of a second. Measured copying a 2 GiB file from ext4 to tmpfs (2 cores, page cache warm, best of 5):
 * one 8 MiB buffer 1,770 MB/s, two 4 MiB 2,170, two 8 MiB 2,070, two 16 MiB 2,110, `fs.copyFile` (in-kernel)
 * 1,290, `cp` 1,860.
 */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * link() errors meaning "this filesystem has no hard links": FAT/exFAT give EPERM, SMB and some FUSE mounts ENOTSUP
 * or EOPNOTSUPP, others ENOSYS; EMLINK is a full link count. EPERM is also Linux's answer (protected_hardlinks) to
 * linking another user's file, where a rename is just as right.
 */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"]);

/** The filesystem calls placeFile makes, injectable so tests can play filesystems without hard links. */
export interface PlaceFs {
  link: typeof fsp.link;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
  open: typeof fsp.open;
  lstat: typeof fsp.lstat;
  readlink: typeof fsp.readlink;
  symlink: typeof fsp.symlink;
}

const REAL_FS: PlaceFs = {
  link: fsp.link,
  rename: fsp.rename,
  unlink: fsp.unlink,
  open: fsp.open,
  lstat: fsp.lstat,
  readlink: fsp.readlink,
  symlink: fsp.symlink,
};

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
  /** Called once the temp file exists and before any byte goes into it, so a journal can name it for recovery. */
  onTemp?: (path: string, identity: FileIdentity) => Promise<void>;
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
): Promise<{ method: "rename" | "copy" }> {
  const fs = options.fs ?? REAL_FS;
  const before = await fs.lstat(source);
  const expected = options.expected ?? identityOf(before);
  const change = identityChange(expected, identityOf(before));
  if (change) throw new FileChangedError(source, change);
  // A diffusers pipeline folder moves whole, by one rename (see placeFolder).
  if (before.isDirectory()) return placeFolder(source, destination, options);
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
  // O_NOFOLLOW: a name swapped for a link since the lstat must not make us copy what the link points to (sidecars
  // are carried neither as links nor as a link target's bytes). O_NONBLOCK: a FIFO swapped in cannot block the open;
  // fstat then confirms a regular file before a byte is read.
  const input = await fs.open(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await input.stat();
    if (!info.isFile()) throw new NotRegularFileError(source, specialFileType(info));
    const opened = identityChange(expected, identityOf(info));
    if (opened) throw new FileChangedError(source, opened);
    // O_EXCL: if the name is somehow taken, it is not ours to write to or remove.
    let output: FileHandle | undefined = await fs.open(temp, "wx", info.mode & 0o777);
    let committed = false;
    try {
      await options.onTemp?.(temp, identityOf(await output.stat()));
      await copyContent(input, output, info, source, options);
      // Any write to the source during the copy moved its ctime (and size or mtime): the bytes may be mixed.
      const during = identityChange(identityOf(info), identityOf(await input.stat()));
      if (during) throw new FileChangedError(source, during);
      // Seconds as a float keep sub-millisecond precision that Date objects would drop.
      await output.utimes(info.atimeMs / 1000, info.mtimeMs / 1000);
      await output.sync();
      await output.close();
      output = undefined;
      await commitNoReplace(temp, destination, fs, true);
      committed = true;
      // The new name must be durable before the caller may delete the source.
      await fsyncDir(dirname(destination), fs);
    } catch (error) {
      await output?.close().catch(() => undefined);
      await fs.unlink(committed ? destination : temp).catch(() => undefined);
      throw error;
    }
  } finally {
    await input.close();
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

async function copyContent(
  input: FileHandle,
  output: FileHandle,
  info: Stats,
  source: string,
  options: PlaceOptions,
): Promise<void> {
  const { size } = info;
  let copied = 0;
  options.signal?.throwIfAborted();
  // Reads to the end of the file, not to `size`, so a source that grew is caught below. The next read is in flight
  // while the current chunk is written.
  for await (const chunk of readChunks(input, 0, Infinity, Math.min(COPY_CHUNK_BYTES, Math.max(1, size)))) {
    let written = 0;
    while (written < chunk.length) {
      written += (await output.write(chunk, written, chunk.length - written, copied + written)).bytesWritten;
    }
    copied += chunk.length;
    options.onBytes?.(copied, size);
    options.signal?.throwIfAborted();
  }
  if (copied !== size) throw new FileChangedError(source, "size");
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

function destinationExists(path: string): InstallError {
  return new InstallError("destination-exists", `${path} appeared since planning; nothing was overwritten`);
}

/** Makes a rename or new name durable. Windows and some network filesystems cannot fsync a folder. */
async function fsyncDir(dir: string, fs: PlaceFs): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF" && code !== "ENOTSUP")
      throw error;
  } finally {
    await handle?.close();
  }
}
