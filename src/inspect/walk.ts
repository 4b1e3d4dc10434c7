import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { flatString } from "../model/flat-string.js";

/**
 * Extensions under which model weights are published. Content decides the format, never the name; the name only
 * decides which files a directory walk looks at, so README.md, previews and `.part` downloads are left alone.
 */
export const MODEL_EXTENSIONS: ReadonlySet<string> = new Set([
  ".safetensors",
  ".sft",
  ".ckpt",
  ".pt",
  ".pth",
  ".bin",
  ".pkl",
  ".gguf",
]);

export function hasModelExtension(path: string): boolean {
  return MODEL_EXTENSIONS.has(extname(path).toLowerCase());
}

/** The file that makes a folder a diffusers pipeline (`DiffusionPipeline.save_pretrained`). */
export const DIFFUSERS_MODEL_INDEX = "model_index.json";

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface WalkOptions {
  /**
   * Called with each directory below `dir` (as joined from `dir`, links not resolved) before it is read; true
   * leaves it and everything under it unvisited. `sort` prunes the WebUI this way, so it never even reads a library
   * of thousands of installed models it must not touch.
   */
  skipDir?(path: string): boolean;
  /**
   * Walk into folders reached through symbolic links (default true). `inspect` only reads, so following is what the
   * user wants; `sort` moves what it finds, and a linked folder can lead anywhere (another tree, the WebUI's own
   * `models/`), so it passes false and only the folder it was given is ever walked.
   */
  followDirLinks?: boolean;
  /**
   * List hidden entries too (default false). `audit` passes true: A1111 lists hidden files and walks hidden folders of
   * its model folders, so a `.name.ckpt` there is loadable and must be judged.
   */
  includeHidden?: boolean;
  /**
   * `dir` is a folder a UI loads many models from (audit's model folders), never one model itself: a
   * `model_index.json` in it (a repo unpacked into `models/checkpoints`, or planted in `models/Lora`) does not turn
   * the whole folder into one pipeline that a fix would move wholesale. Its files are listed as usual; only the
   * component folders that `model_index.json` names are left unwalked, as the parts of that pipeline they are.
   */
  rootHoldsModels?: boolean;
}

/**
 * Model files under `dir`, depth first, each directory's entries in code-point order, so runs are reproducible
 * whatever the locale. Hidden entries (`.git`, `.cache`, macOS `._*` resource forks) are skipped, as fd and
 * ripgrep do, unless `includeHidden`. Linked model files are listed; linked folders are followed unless `followDirLinks` is false, and a
 * directory reached twice (a link loop, or two links to one folder) is walked once. A directory that cannot be listed
 * is returned as a path of its own, so the caller reports the error beside the files instead of losing it.
 */
export async function walkModelFiles(dir: string, options: WalkOptions = {}): Promise<string[]> {
  const found: string[] = [];
  const visited = new Set<string>();

  async function visit(current: string, isRoot = false): Promise<void> {
    let entries: Dirent[];
    try {
      const { dev, ino } = await stat(current);
      const id = `${dev}:${ino}`;
      if (visited.has(id)) return;
      visited.add(id);
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      found.push(current);
      return;
    }
    // A diffusers pipeline folder is one model: it is listed itself, and its component files are not.
    const hasModelIndex = entries.some((e) => e.name === DIFFUSERS_MODEL_INDEX && e.isFile());
    if (hasModelIndex && !(isRoot && options.rootHoldsModels === true)) {
      found.push(current);
      return;
    }
    const components = hasModelIndex ? await componentFolders(join(current, DIFFUSERS_MODEL_INDEX)) : new Set();
    for (const entry of entries.sort((a, b) => byName(a.name, b.name))) {
      if ((entry.name.startsWith(".") && options.includeHidden !== true) || components.has(entry.name)) continue;
      const path = flatString(join(current, entry.name));
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        // A dangling link with a model name is kept: inspecting it reports "no such file", which the user wants to see.
        isDirectory = await stat(path).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (isDirectory && options.followDirLinks === false) continue;
      }
      if (isDirectory) {
        if (options.skipDir?.(path) !== true) await visit(path);
      } else if (hasModelExtension(entry.name)) found.push(path);
    }
  }

  await visit(dir, true);
  return found;
}

/** The component folders a `model_index.json` names (its keys not starting with `_`); none if it does not parse. */
async function componentFolders(modelIndex: string): Promise<Set<string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(modelIndex, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return new Set();
    return new Set(Object.keys(parsed).filter((k) => !k.startsWith("_")));
  } catch {
    return new Set();
  }
}

/**
 * Expands command-line paths: a directory becomes its model files, anything else (a file, a path that does not
 * exist) is kept as given so that inspecting it reports what is wrong. Order and duplicates are kept as given.
 */
export async function expandModelPaths(paths: readonly string[]): Promise<string[]> {
  const expanded: string[] = [];
  for (const path of paths) {
    const isDirectory = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDirectory) expanded.push(...(await walkModelFiles(path)));
    else expanded.push(path);
  }
  return expanded;
}
