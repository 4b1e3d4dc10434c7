import { isAbsolute, relative, resolve, sep } from "node:path";
import type { WebuiTarget } from "./types.js";

/**
 * True when `path` is the WebUI's root, inside it, or inside any folder the WebUI loads models from (including
 * `extra_model_paths.yaml` folders outside the root). `sort` uses it to refuse a source inside the WebUI and, while
 * walking a source that contains the WebUI, to prune it: sorting must never re-sort the library it fills.
 */
export function isInsideWebui(path: string, target: WebuiTarget): boolean {
  const roots = [target.root, target.modelsDir, ...(target.dataDir ? [target.dataDir] : []), ...Object.values(target.extraFolders).flat()];
  const p = resolve(path);
  return roots.some((root) => isWithin(p, resolve(root)));
}

function isWithin(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
