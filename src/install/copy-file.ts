import { constants, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as fsp from "node:fs/promises";
import { readChunks } from "../hash/read-chunks.js";
import { FileChangedError, identityChange, identityOf } from "../model/file-identity.js";
import { NotRegularFileError, specialFileType } from "../read/open-regular-file.js";
import type { FileIdentity } from "./types.js";

/**
 * Bytes per read/write while copying across filesystems, two buffers of it in flight: large enough that syscall
 * overhead vanishes next to disk time, small enough that the buffers are negligible and progress is reported every
 * fraction of a second. Measured copying a 2 GiB file from ext4 to tmpfs (2 cores, page cache warm, best of 5):
 * one 8 MiB buffer 1,770 MB/s, two 4 MiB 2,170, two 8 MiB 2,070, two 16 MiB 2,110, `fs.copyFile` (in-kernel)
 * 1,290, `cp` 1,860.
 */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/** The filesystem calls placing makes, injectable so tests can play filesystems without hard links. */
export interface PlaceFs {
  link: typeof fsp.link;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
  open: typeof fsp.open;
  lstat: typeof fsp.lstat;
  readlink: typeof fsp.readlink;
  symlink: typeof fsp.symlink;
}

export const REAL_FS: PlaceFs = {
  link: fsp.link,
  rename: fsp.rename,
  unlink: fsp.unlink,
  open: fsp.open,
  lstat: fsp.lstat,
  readlink: fsp.readlink,
  symlink: fsp.symlink,
};

export interface CopyOptions {
  onBytes?: (copied: number, total: number) => void;
  /** Aborts between chunks: the new file is removed and the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Called once the new file exists and before any byte goes into it. */
  onCreated?: (identity: FileIdentity) => Promise<void>;
}

/**
 * Copies the regular file `source`, which must still be `expected`, into the new file `output` (created O_EXCL: a
 * name that exists is not ours to write to), with its mode and times, fsynced. The source is checked on the opened
 * descriptor before and after copying, so what lands is what was inspected. On any failure `output` is removed.
 */
export async function copyFileTo(
  source: string,
  output: string,
  expected: FileIdentity,
  options: CopyOptions,
  fs: PlaceFs = REAL_FS,
): Promise<void> {
  // O_NOFOLLOW: a name swapped for a link since the lstat must not make us copy what the link points to (sidecars
  // are carried neither as links nor as a link target's bytes). O_NONBLOCK: a FIFO swapped in cannot block the open;
  // fstat then confirms a regular file before a byte is read.
  const input = await fs.open(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await input.stat();
    if (!info.isFile()) throw new NotRegularFileError(source, specialFileType(info));
    const opened = identityChange(expected, identityOf(info));
    if (opened) throw new FileChangedError(source, opened);
    let handle: FileHandle | undefined = await fs.open(output, "wx", info.mode & 0o777);
    try {
      await options.onCreated?.(identityOf(await handle.stat()));
      await copyContent(input, handle, info, source, options);
      // Any write to the source during the copy moved its ctime (and size or mtime): the bytes may be mixed.
      const during = identityChange(identityOf(info), identityOf(await input.stat()));
      if (during) throw new FileChangedError(source, during);
      // Seconds as a float keep sub-millisecond precision that Date objects would drop.
      await handle.utimes(info.atimeMs / 1000, info.mtimeMs / 1000);
      await handle.sync();
      await handle.close();
      handle = undefined;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.unlink(output).catch(() => undefined);
      throw error;
    }
  } finally {
    await input.close();
  }
}

async function copyContent(
  input: FileHandle,
  output: FileHandle,
  info: Stats,
  source: string,
  options: CopyOptions,
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

/** Makes a rename or new name durable. Windows and some network filesystems cannot fsync a folder. */
export async function fsyncDir(dir: string, fs: Pick<PlaceFs, "open"> = REAL_FS): Promise<void> {
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
