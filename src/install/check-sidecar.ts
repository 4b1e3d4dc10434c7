import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { identityOf } from "../model/file-identity.js";
import { NotRegularFileError, openRegularFile } from "../read/open-regular-file.js";
import { bytesToJudge, judgeSidecarContent } from "./sidecar-content.js";
import { SIDECAR_MAX_BYTES, type SidecarContent, type SidecarRejection } from "./sidecar-policy.js";
import type { FileIdentity } from "./types.js";

/**
 * A sidecar's verdict, and the identity of the file it was reached on: applying carries the sidecar only while it is
 * still that file, since one swapped in after the check was never checked.
 */
export interface SidecarCheck {
  rejection: SidecarRejection | null;
  /** Null when no regular file could be opened. */
  identity: FileIdentity | null;
}

/**
 * The I/O edge of the sidecar policy: whether the file at `path` may travel as a sidecar of `content`, or why not.
 * A link is never followed (a `.preview.png` linking to `~/.ssh/id_rsa` must carry neither the link nor its target's
 * bytes), nor is a file with a second name (a hard link), a FIFO, socket or device is never opened, and a regular
 * file is read only up to its type's bound.
 */
export async function checkSidecar(path: string, content: SidecarContent): Promise<SidecarCheck> {
  try {
    const { handle, info } = await openRegularFile(path, { followLinks: false });
    try {
      return { rejection: await judgeOpened(handle, info, content), identity: identityOf(info) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof NotRegularFileError)
      return { rejection: { type: "not-a-file", found: error.fileType }, identity: null };
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string") return { rejection: { type: "unreadable", code }, identity: null };
    throw error;
  }
}

/** The verdict on an opened regular file: its links, its size, then the bytes its name promises. */
async function judgeOpened(handle: FileHandle, info: Stats, content: SidecarContent): Promise<SidecarRejection | null> {
  if (info.nlink > 1) return { type: "hard-linked", links: info.nlink };
  const limit = SIDECAR_MAX_BYTES[content];
  if (info.size > limit) return { type: "too-large", size: info.size, limit };
  const wanted = bytesToJudge(content, info.size);
  const bytes = new Uint8Array(wanted);
  let filled = 0;
  while (filled < wanted) {
    const { bytesRead } = await handle.read(bytes, filled, wanted - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return judgeSidecarContent(content, bytes.subarray(0, filled));
}
