import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { flatString } from "../model/flat-string.js";
import { NotRegularFileError } from "../read/open-regular-file.js";
import { absolutePath } from "./absolute-path.js";
import { checkSidecar } from "./check-sidecar.js";
import { FolderTooLargeError, readTree, treeBytes } from "./folder-tree.js";
import { gatherTargetFacts } from "./gather-target-facts.js";
import { webuiRoots } from "./is-inside-webui.js";
import { namesByFolder } from "./names-by-prefix.js";
import { routeCandidate } from "./route-candidate.js";
import type { SidecarRejection } from "./sidecar-policy.js";
import { findSidecars } from "./sidecars.js";
import type {
  FileIdentity,
  FolderTreeFacts,
  FsSnapshot,
  InstallCandidate,
  PlanOptions,
  SnapshotEntry,
  WebuiTarget,
} from "./types.js";

export interface SnapshotDeps {
  /** Lower-case hex SHA-256 of a file's full content. */
  sha256(path: string): Promise<string>;
}

/**
 * The I/O edge of planning: lists every folder the planner will look at (each candidate's source folder, for
 * sidecars, and destination folder, for conflicts), hashes only files that share a size with a candidate, since
 * only those can be duplicates, and checks each sidecar for what its name says (`checkSidecar`). Reads, never writes.
 */
export async function gatherSnapshot(
  candidates: readonly InstallCandidate[],
  target: WebuiTarget,
  options: PlanOptions,
  deps: SnapshotDeps,
): Promise<FsSnapshot> {
  const routed: { source: string; size: number; dir: string; kind: InstallCandidate["classification"]["kind"] }[] = [];
  const dirs = new Set<string>();
  const targetDirs = new Set<string>();
  const folderTrees: Record<string, FolderTreeFacts> = {};
  for (const candidate of candidates) {
    const route = routeCandidate(candidate, target, options);
    if (!route.ok) continue;
    const source = absolutePath(candidate.source);
    targetDirs.add(route.dir);
    // A pipeline folder is never hashed as one file: it is compared by name only, and walked for what can travel.
    if (candidate.format === "diffusers") {
      dirs.add(route.dir);
      folderTrees[source] = await folderTreeFacts(source, candidate.size);
      continue;
    }
    routed.push({ source, size: candidate.size, dir: route.dir, kind: candidate.classification.kind });
    dirs.add(dirname(source));
    dirs.add(route.dir);
  }

  const folders: Record<string, Record<string, SnapshotEntry> | null> = {};
  for (const dir of dirs) folders[dir] = await listFolder(dir);

  const toHash = new Set<string>();
  const bySize = new Map<number, string[]>();
  const filesBySize = filesBySizeIn(folders);
  for (const { source, size, dir } of routed) {
    const group = bySize.get(size);
    if (group) group.push(source);
    else bySize.set(size, [source]);
    for (const name of filesBySize(dir).get(size) ?? []) {
      const path = join(dir, name);
      if (path !== source) toHash.add(path).add(source);
    }
  }
  for (const group of bySize.values()) if (group.length > 1) for (const path of group) toHash.add(path);

  const hashes: Record<string, string> = {};
  for (const path of toHash) hashes[path] = (await deps.sha256(path)).toLowerCase();

  const sidecars: Record<string, SidecarRejection | null> = {};
  const sidecarIdentities: Record<string, FileIdentity> = {};
  const namesIn = namesByFolder(folders);
  for (const { source, kind } of routed) {
    for (const { name, content } of findSidecars(basename(source), kind, namesIn(dirname(source)))) {
      const path = join(dirname(source), name);
      if (Object.hasOwn(sidecars, path)) continue;
      const { rejection, identity } = await checkSidecar(path, content);
      sidecars[path] = rejection;
      if (identity) sidecarIdentities[path] = identity;
    }
  }
  return {
    folders,
    hashes,
    sidecars,
    sidecarIdentities,
    targets: await gatherTargetFacts(targetDirs),
    folderTrees,
    realPaths: options.sortedDir === null ? {} : await realPathsFor(candidates, options.sortedDir, target, folders),
  };
}

/**
 * A folder's tree as planning needs it. One that cannot be walked at all (permissions) keeps its inspected size and
 * fails, named, when it is applied.
 */
async function folderTreeFacts(path: string, inspectedBytes: number): Promise<FolderTreeFacts> {
  try {
    return { ok: true, bytes: treeBytes(await readTree(path)) };
  } catch (error) {
    if (error instanceof NotRegularFileError) return { ok: false, path: error.path, found: error.fileType };
    if (error instanceof FolderTooLargeError) return { ok: false, path, found: null };
    return { ok: true, bytes: inspectedBytes };
  }
}

/**
 * The files of each listed folder by size, in listing order, built the first time a folder is asked for: every
 * candidate looks up the files of its size in its destination folder, which a scan per candidate made
 * (candidates × folder size) name comparisons.
 */
function filesBySizeIn(
  folders: Readonly<Record<string, Readonly<Record<string, SnapshotEntry>> | null>>,
): (dir: string) => ReadonlyMap<number, string[]> {
  const indexed = new Map<string, Map<number, string[]>>();
  return (dir) => {
    let bySize = indexed.get(dir);
    if (bySize === undefined) {
      bySize = new Map();
      for (const [name, entry] of Object.entries(folders[dir] ?? {})) {
        if (!entry.isFile) continue;
        const group = bySize.get(entry.size);
        if (group) group.push(name);
        else bySize.set(entry.size, [name]);
      }
      indexed.set(dir, bySize);
    }
    return bySize;
  };
}

/**
 * Real paths of every candidate, the sorted folder and the WebUI roots; what cannot be resolved is left out. A path
 * its folder's listing shows as a regular file (not a link) resolves as its folder does, with the name added: one `realpath` per
 * folder instead of one per file (at 100,000 files, ~8 s and ~36 MB of peak RSS for the per-file calls, each of
 * which resolves every folder above it again). Links and paths no listing holds are resolved one by one.
 */
async function realPathsFor(
  candidates: readonly InstallCandidate[],
  sortedDir: string,
  target: WebuiTarget,
  folders: Readonly<Record<string, Readonly<Record<string, SnapshotEntry>> | null>>,
): Promise<Record<string, string>> {
  const paths = new Set([...candidates.map((c) => absolutePath(c.source)), resolve(sortedDir), ...webuiRoots(target)]);
  const realFolders = new Map<string, Promise<string | null>>();
  const realFolder = (dir: string) => {
    let real = realFolders.get(dir);
    if (real === undefined) {
      real = realpath(dir).catch(() => null);
      realFolders.set(dir, real);
    }
    return real;
  };
  const realPaths: Record<string, string> = {};
  for (const path of paths) {
    const dir = dirname(path);
    const entry = folders[dir]?.[basename(path)];
    let real: string | null;
    if (entry?.isFile === true && entry.isSymlink !== true) {
      const folder = await realFolder(dir);
      // Most files are not behind a link: their real path is kept as the path string itself, not as a copy of it.
      real = folder === null ? null : folder === dir ? path : flatString(join(folder, basename(path)));
    } else {
      real = await realpath(path).catch(() => null);
    }
    if (real !== null) realPaths[path] = real === path ? path : real;
  }
  return realPaths;
}

async function listFolder(dir: string): Promise<Record<string, SnapshotEntry> | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
  const entries: Record<string, SnapshotEntry> = {};
  for (const name of names) {
    const path = join(dir, name);
    const link = await lstat(path).catch(() => null);
    const info = link?.isSymbolicLink() ? await stat(path).catch(() => null) : link;
    entries[name] = {
      size: info?.size ?? 0,
      isFile: info?.isFile() ?? false,
      ...(link?.isSymbolicLink() ? { isSymlink: true } : {}),
    };
  }
  return entries;
}
