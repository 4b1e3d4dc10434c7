import { resolve } from "node:path";

/**
 * `path` made absolute, as the very same string when it already is. `resolve` returns a new copy of an absolute
 * path, and each copy of a file's path kept in a plan or index is another ~100 bytes per file for the whole run.
 */
export function absolutePath(path: string): string {
  const resolved = resolve(path);
  return resolved === path ? path : resolved;
}
