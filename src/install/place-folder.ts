import { lstat, rename } from "node:fs/promises";

/**
 * Moves a folder (a diffusers pipeline) with one rename on the same filesystem. rename() replaces an empty folder
 * at the destination, so the destination is checked free first; the window between the check and the rename is
 * the one race this cannot close (Node has no `renameat2(RENAME_NOREPLACE)`). Folders are never copied: a
 * cross-filesystem or `--copy` install of a pipeline fails before anything is written.
 */
export async function placeFolder(
  source: string,
  destination: string,
  options: { keepSource: boolean },
): Promise<{ method: "rename" }> {
  if (options.keepSource) {
    throw Object.assign(new Error(`${source} is a folder: folders are moved, never copied`), { code: "EISDIR" });
  }
  const taken = await lstat(destination).then(
    () => true,
    () => false,
  );
  if (taken) throw Object.assign(new Error(`${destination} already exists`), { code: "EEXIST" });
  try {
    await rename(source, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EXDEV") {
      throw Object.assign(
        new Error(
          `${source} is on another filesystem than ${destination}: folders are moved only within one filesystem`,
        ),
        { code: "EXDEV" },
      );
    }
    throw error;
  }
  return { method: "rename" };
}
