import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";

/** What a path is when it is not a regular file, in the words the reports use. */
export type SpecialFileType =
  | "symlink"
  | "directory"
  | "fifo"
  | "socket"
  | "character-device"
  | "block-device"
  | "other";

/** A path that is not a regular file; it was not opened (or, if it became one in a race, was closed unread). */
export class NotRegularFileError extends Error {
  readonly code = "not-a-regular-file";
  override readonly name = "NotRegularFileError";
  constructor(
    readonly path: string,
    readonly fileType: SpecialFileType,
  ) {
    super(`${path}: ${notRegularFileProblem(fileType)}`);
  }
}

/** What a special file is instead of a model file, in the words every report uses. */
export function notRegularFileProblem(fileType: SpecialFileType): string {
  return `not a regular file but ${SPECIAL_FILE_NAMES[fileType]}`;
}

export const SPECIAL_FILE_NAMES: Readonly<Record<SpecialFileType, string>> = {
  symlink: "a symbolic link",
  directory: "a directory",
  fifo: "a FIFO (named pipe)",
  socket: "a socket",
  "character-device": "a character device",
  "block-device": "a block device",
  other: "a special file",
};

export function specialFileType(info: Stats): SpecialFileType {
  if (info.isSymbolicLink()) return "symlink";
  if (info.isDirectory()) return "directory";
  if (info.isFIFO()) return "fifo";
  if (info.isSocket()) return "socket";
  if (info.isCharacterDevice()) return "character-device";
  if (info.isBlockDevice()) return "block-device";
  return "other";
}

/**
 * Opens a regular file for reading, and nothing else. Opening a FIFO blocks until a writer appears (forever, for a
 * `model.safetensors` FIFO in a downloads folder), and opening a device can act on it (a tape rewinds, a watchdog
 * arms), so the type is checked with lstat (stat through a symbolic link) before any open. The open itself uses
 * O_NONBLOCK, so a FIFO swapped in after the check cannot block, and O_NOFOLLOW when the path was no link, so a link
 * swapped in is not followed; fstat on the open handle then confirms a regular file. Symbolic links are followed
 * unless `followLinks` is false: reading a model through a link is what the user asked for, and the target's type
 * is what is checked; a sidecar is never read through one.
 */
export async function openRegularFile(
  path: string,
  options: { followLinks?: boolean } = {},
): Promise<{ handle: FileHandle; info: Stats }> {
  const entry = await lstat(path);
  const isLink = entry.isSymbolicLink();
  if (isLink && options.followLinks === false) throw new NotRegularFileError(path, "symlink");
  const target = isLink ? await stat(path) : entry;
  if (!target.isFile()) throw new NotRegularFileError(path, specialFileType(target));
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (isLink ? 0 : constants.O_NOFOLLOW));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotRegularFileError(path, specialFileType(info));
    return { handle, info };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
