import { link, lstat, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { readChunks } from "../hash/read-chunks.js";
import { openRegularFile } from "../read/open-regular-file.js";
import { InstallError } from "./errors.js";
import { tempPathFor } from "./temp-files.js";

/**
 * Bytes per read/write while copying across filesystems, two buffers of it in flight: large enough that syscall
 * overhead vanishes next to disk time, small enough that the buffers are negligible and progress is reported every
 * fraction of a second. Measured copying a 2 GiB file from ext4 to tmpfs (2 cores, page cache warm, best of 5):
 * one 8 MiB buffer 1,770 MB/s, two 4 MiB 2,170, two 8 MiB 2,070, two 16 MiB 2,110, `fs.copyFile` (in-kernel)
 * 1,290, `cp` 1,860.
 */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/** link() errors meaning "this filesystem has no hard links" (FAT/exFAT give EPERM, some FUSE and SMB mounts ENOTSUP). */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"]);

export interface PlaceOptions {
  /** Copy even on one filesystem and leave the source alone. */
  keepSource: boolean;
  onBytes?: (copied: number, total: number) => void;
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
 *   left in place; the caller removes it once every file of the group is placed (the result says `method: "copy"`), so a crash
 *   at any point leaves the source, or the source and a complete target.
 *
 * Where the filesystem has no hard links, the final step falls back to checking that the destination is free and
 * renaming: a race with another writer in that instant is the one window this cannot close.
 */
export async function placeFile(
  source: string,
  destination: string,
  options: PlaceOptions,
): Promise<{ method: "rename" | "copy" }> {
  if (!options.keepSource) {
    try {
      await commitNoReplace(source, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
      await copyIntoPlace(source, destination, options.onBytes);
      return { method: "copy" };
    }
    try {
      await fsyncDir(dirname(destination));
    } catch (error) {
      // A failure must mean "nothing changed", or the caller's journal and rollback would be wrong.
      await commitNoReplace(destination, source).catch(() => undefined);
      throw error;
    }
    return { method: "rename" };
  }
  await copyIntoPlace(source, destination, options.onBytes);
  return { method: "copy" };
}

async function copyIntoPlace(source: string, destination: string, onBytes: PlaceOptions["onBytes"]): Promise<void> {
  const temp = tempPathFor(dirname(destination), basename(destination));
  // Never through a link, never a FIFO: what was checked as a regular file must still be one (sidecars are carried
  // neither as links nor as a link target's bytes).
  const { handle: input, info } = await openRegularFile(source, { followLinks: false });
  try {
    // O_EXCL: if the name is somehow taken, it is not ours to write to or remove.
    let output: FileHandle | undefined = await open(temp, "wx", info.mode & 0o777);
    let committed = false;
    try {
      await copyContent(input, output, info.size, source, onBytes);
      // Seconds as a float keep sub-millisecond precision that Date objects would drop.
      await output.utimes(info.atimeMs / 1000, info.mtimeMs / 1000);
      await output.sync();
      await output.close();
      output = undefined;
      await commitNoReplace(temp, destination);
      committed = true;
      // The new name must be durable before the caller may delete the source.
      await fsyncDir(dirname(destination));
    } catch (error) {
      await output?.close().catch(() => undefined);
      await unlink(committed ? destination : temp).catch(() => undefined);
      throw error;
    }
  } finally {
    await input.close();
  }
}

async function copyContent(
  input: FileHandle,
  output: FileHandle,
  size: number,
  source: string,
  onBytes: PlaceOptions["onBytes"],
): Promise<void> {
  let copied = 0;
  // Reads to the end of the file, not to `size`, so a source that grew is caught below. The next read is in flight
  // while the current chunk is written.
  for await (const chunk of readChunks(input, 0, Infinity, Math.min(COPY_CHUNK_BYTES, Math.max(1, size)))) {
    let written = 0;
    while (written < chunk.length) {
      written += (await output.write(chunk, written, chunk.length - written, copied + written)).bytesWritten;
    }
    copied += chunk.length;
    onBytes?.(copied, size);
  }
  if (copied !== size) {
    throw Object.assign(new Error(`${source} changed size while being copied (${size} → ${copied} bytes)`), {
      code: "ESOURCECHANGED",
    });
  }
}

/** rename(from, to) that refuses to replace an existing `to`. */
async function commitNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") throw destinationExists(to);
    if (!NO_HARD_LINKS.has(code)) throw error;
    if (await lstat(to).then(() => true, () => false)) throw destinationExists(to);
    await rename(from, to);
    return;
  }
  try {
    await unlink(from);
  } catch (error) {
    // Could not drop the old name: take the new one back, so a failure leaves exactly what was there before.
    await unlink(to).catch(() => undefined);
    throw error;
  }
}

function destinationExists(path: string): InstallError {
  return new InstallError("DESTINATION_EXISTS", `${path} appeared since planning; nothing was overwritten`);
}

/** Makes a rename or new name durable. Windows cannot open a folder for fsync; NTFS journals names itself. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}
