import { realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { WebuiTarget } from "./types.js";

/**
 * The WebUI's root and every folder it loads models from, including `extra_model_paths.yaml` folders and folders its
 * settings move outside the root.
 */
export function webuiRoots(target: WebuiTarget): string[] {
  return [
    target.root,
    target.modelsDir,
    ...(target.dataDir ? [target.dataDir] : []),
    ...Object.values(target.extraFolders).flat(),
    ...Object.values(target.folders).map((f) => f.path),
  ].map((r) => resolve(r));
}

/**
 * {@link webuiRoots} with every link resolved, so that a path reached through a link can be compared by where it
 * really is. A root that does not exist is kept as written: nothing can lie inside it.
 */
export async function realWebuiRoots(target: WebuiTarget): Promise<string[]> {
  return Promise.all(webuiRoots(target).map((root) => realpath(root).catch(() => root)));
}

/**
 * True when `path` is the WebUI's root, inside it, or inside any folder the WebUI loads models from. `sort` uses it
 * to refuse a source inside the WebUI and, while walking a source that contains the WebUI, to prune it: sorting must
 * never re-sort the library it fills. Compares the strings given; see {@link realWebuiRoots} for real paths.
 */
export function isInsideWebui(path: string, target: WebuiTarget): boolean {
  return isInsideAny(resolve(path), webuiRoots(target));
}

export function isInsideAny(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => isWithin(path, root));
}

/** `path` is `root` or below it (both absolute and normalised). */
export function isWithin(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
