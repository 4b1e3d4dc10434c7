import { dirname, resolve } from "node:path";
import { isScalar, isMap as isYamlMap, LineCounter, type Pair, parseDocument } from "yaml";
import { InstallError } from "./errors.js";

/** ComfyUI `folder_paths.map_legacy`: old folder keys still accepted in YAML files. */
const LEGACY_KEYS: Readonly<Record<string, string>> = { unet: "diffusion_models", clip: "text_encoders" };

export interface ExtraModelPaths {
  /** Folder key → absolute folders in ComfyUI's search order (`is_default` ones first). */
  folders: Record<string, string[]>;
  /**
   * Keys at least one `is_default` section lists → their first folder, where ComfyUI's downloaders write, with the
   * line of the key that put it first.
   */
  defaults: Record<string, { path: string; line: number }>;
}

export interface ExpandContext {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
}

/**
 * Reads `extra_model_paths.yaml` as ComfyUI's `utils/extra_config.py` does: sections in file order; `base_path`
 * expanded (`~`, environment variables) and taken relative to the YAML's folder; every other key a folder key whose
 * value holds one path per line; `is_default` paths inserted at the front (each in turn, as
 * `folder_paths.add_model_folder_path` does), the rest appended.
 */
export function parseExtraModelPaths(text: string, yamlPath: string, context: ExpandContext): ExtraModelPaths {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const problem = doc.errors[0];
  if (problem) throw new InstallError("extra-paths-invalid", `${yamlPath}: ${problem.message}`);
  if (doc.contents === null) return { folders: {}, defaults: {} };
  if (!isYamlMap(doc.contents))
    throw new InstallError("extra-paths-invalid", `${yamlPath}: expected sections at the top level`);

  const yamlDir = dirname(resolve(yamlPath));
  const folders: Record<string, string[]> = {};
  const defaultLines = new Map<string, number>();
  const lineOf = (pair: Pair) =>
    isScalar(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : 0;
  for (const sectionPair of doc.contents.items) {
    // An empty section (`comfyui:` with everything commented out) is no map, and names no folder.
    if (!isYamlMap(sectionPair.value)) continue;
    const section = sectionPair.value.toJS(doc) as Record<string, unknown>;
    const { base_path: rawBase, is_default: rawDefault } = section;
    const base = typeof rawBase === "string" && rawBase.trim() !== "" ? expandPath(rawBase.trim(), context) : null;
    const baseDir = base === null ? yamlDir : resolve(yamlDir, base);
    const isDefault = rawDefault === true;
    for (const pair of sectionPair.value.items) {
      const rawKey = isScalar(pair.key) ? String(pair.key.value) : "";
      if (rawKey === "base_path" || rawKey === "is_default") continue;
      const key = LEGACY_KEYS[rawKey] ?? rawKey;
      folders[key] ??= [];
      const list = folders[key];
      for (const line of pathLines(section[rawKey])) {
        const path = resolve(baseDir, line);
        const at = list.indexOf(path);
        if (isDefault) {
          if (at >= 0) list.splice(at, 1);
          list.unshift(path);
          defaultLines.set(key, lineOf(pair));
        } else if (at < 0) {
          list.push(path);
        }
      }
    }
  }
  const defaults: ExtraModelPaths["defaults"] = {};
  for (const [key, line] of defaultLines) defaults[key] = { path: folders[key]![0]!, line };
  return { folders, defaults };
}

function pathLines(value: unknown): string[] {
  const lines =
    typeof value === "string"
      ? value.split("\n")
      : Array.isArray(value)
        ? value.filter((v) => typeof v === "string")
        : [];
  return lines.map((l: string) => l.trim()).filter((l: string) => l !== "");
}

/** Python's `os.path.expandvars(os.path.expanduser(p))`; unknown variables stay as written, as in Python. */
export function expandPath(path: string, { env, home, platform }: ExpandContext): string {
  const tilde = path === "~" || path.startsWith("~/") || (platform === "win32" && path.startsWith("~\\"));
  let out = tilde ? home + path.slice(1) : path;
  out = out.replace(/\$(\w+)|\$\{([^}]+)\}/g, (match, a?: string, b?: string) => env[(a ?? b)!] ?? match);
  if (platform === "win32") out = out.replace(/%([^%]+)%/g, (match, name: string) => env[name] ?? match);
  return out;
}
