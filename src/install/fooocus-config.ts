import { relative, resolve } from "node:path";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";
import { readJsonSettings } from "./json-settings.js";

/**
 * Fooocus' folder settings in `config.txt` (`modules/config.py` `get_dir_or_set_default`): `path_checkpoints` and
 * `path_loras` (a folder or a list), `path_embeddings`, `path_vae`, `path_vae_approx`, `path_upscale_models`,
 * `path_controlnet`, `path_clip_vision`, … . Fooocus takes a relative path from its working folder, and falls back to
 * its default folder when a configured one does not exist (for a list: when any entry does not), so sdmodels does
 * the same and says so.
 */
export function readFooocusConfig(
  text: string,
  file: string,
  cwd: string,
  isDir: (path: string) => boolean,
): FolderSettingsReading {
  const reading = emptyReading();
  reading.evidence.push(`read ${relative(cwd, file)}`);
  for (const [key, setting] of readJsonSettings(text, file)) {
    if (!key.startsWith("path_")) continue;
    const values = setting.type === "string" ? [setting.value] : setting.type === "strings" ? setting.value : null;
    if (values === null || values.length === 0) continue;
    const paths = values.map((v) => resolve(cwd, v));
    const missing = paths.find((p) => !isDir(p));
    if (missing !== undefined) {
      reading.warnings.push(
        `${file}:${setting.line}: ${key} names ${missing}, which is not a folder: ` +
          `Fooocus uses its default folder instead, and so does sdmodels`,
      );
      continue;
    }
    reading.folders[key] = { name: key, path: paths[0]!, file, line: setting.line };
  }
  return reading;
}
