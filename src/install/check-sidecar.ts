import { NotRegularFileError, openRegularFile } from "../read/open-regular-file.js";
import { bytesToJudge, judgeSidecarContent } from "./sidecar-content.js";
import { SIDECAR_MAX_BYTES, type SidecarContent, type SidecarRejection } from "./sidecar-policy.js";

/**
 * The I/O edge of the sidecar policy: whether the file at `path` may travel as a sidecar of `content`, or why not.
 * A link is never followed (a `.preview.png` linking to `~/.ssh/id_rsa` must carry neither the link nor its target's
 * bytes), nor is a file with a second name (a hard link), a FIFO, socket or device is never opened, and a regular
 * file is read only up to its type's bound.
 */
export async function checkSidecar(path: string, content: SidecarContent): Promise<SidecarRejection | null> {
  try {
    const { handle, info } = await openRegularFile(path, { followLinks: false });
    try {
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
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof NotRegularFileError) return { type: "not-a-file", found: error.fileType };
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string") return { type: "unreadable", code };
    throw error;
  }
}
