/**
 * The files `audit` looks at. Model folders are walked one by one and follow folder links, so one file can be seen
 * under several paths: a folder nested in another (ComfyUI extra paths), a folder link between model folders
 * (`Stable-diffusion/shared -> ../Lora`), a file link, a hard link. A file is identified by (dev, ino), never by
 * its path string, so it is inspected, hashed and reported once, and is never called a duplicate of itself. Its other
 * hard-linked names are kept aside: each is a name the UI loads, so a dangerous file must leave under every one.
 */
import { realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { walkModelFiles } from "../inspect/walk.js";

/** One path a walk returned, with the file it names. */
export interface SeenPath {
  path: string;
  /** `dev:ino`; null when the path cannot be stat'ed (it is kept, so inspecting it reports the error). */
  file: string | null;
  /** Reached without a link between its model folder and itself: where the file really lives. */
  direct: boolean;
}

/** Model files under `folders`, one path per file, in walk order, and each one's other hard-linked names. */
export interface AuditPaths {
  paths: string[];
  /** Path in `paths` → the other names the file was reached at directly (hard links), in walk order. */
  otherNames: Record<string, string[]>;
}

export async function auditPaths(folders: readonly string[], onFolder: (folder: string) => void): Promise<AuditPaths> {
  const seen: SeenPath[] = [];
  for (const folder of folders) {
    onFolder(folder);
    const realFolder = await realpath(folder).catch(() => folder);
    for (const path of await walkModelFiles(folder, { includeHidden: true, rootHoldsModels: true })) {
      const info = await stat(path).catch(() => null);
      const real = await realpath(path).catch(() => null);
      seen.push({
        path,
        file: info ? `${info.dev}:${info.ino}` : null,
        direct: real === join(realFolder, relative(folder, path)),
      });
    }
  }
  const paths = onePathPerFile(seen);
  return { paths, otherNames: otherDirectNames(seen, paths) };
}

/**
 * For each chosen path, the other paths reached without a link that name the same file: hard links, which a UI lists
 * as files of their own. A name reached through a folder link is the same directory entry, so it is not one.
 */
export function otherDirectNames(seen: readonly SeenPath[], chosen: readonly string[]): Record<string, string[]> {
  const chosenByFile = new Map<string, string>();
  for (const { path, file } of seen) if (file !== null && chosen.includes(path)) chosenByFile.set(file, path);
  const out: Record<string, string[]> = {};
  for (const { path, file, direct } of seen) {
    const keep = file === null ? undefined : chosenByFile.get(file);
    if (!direct || keep === undefined || keep === path) continue;
    const names = out[keep] ?? [];
    if (!names.includes(path)) out[keep] = [...names, path];
  }
  return out;
}

/**
 * Picks, for each file, the path it really lives at if one was seen, else the first: a file moved (quarantined,
 * re-sorted) is then moved where it is, not through a link. Paths that name no file are kept once each.
 */
export function onePathPerFile(seen: readonly SeenPath[]): string[] {
  const chosen = new Map<string, { path: string; direct: boolean; order: number }>();
  seen.forEach(({ path, file, direct }, order) => {
    const key = file ?? `path:${path}`;
    const current = chosen.get(key);
    if (!current || (direct && !current.direct)) chosen.set(key, { path, direct, order });
  });
  return [...chosen.values()].sort((a, b) => a.order - b.order).map((c) => c.path);
}
