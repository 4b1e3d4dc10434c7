import { relative, resolve } from "node:path";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";
import { readJsonSettings } from "./json-settings.js";

/**
 * SD.Next's folder settings in `<data dir>/config.json` (`modules/ui_definitions.py`, `modules/paths.py`): the model
 * root `models_dir`, and per-type folders (`ckpt_dir`, `unet_dir`, `vae_dir`, `te_dir`, `lora_dir`,
 * `embeddings_dir`, `control_dir`, `esrgan_models_path`, …). A relative value is taken from SD.Next's folder, as
 * `paths.create_paths` does with the default (empty) data dir; an empty value leaves the default.
 */
export function readSdnextConfig(text: string, file: string, root: string): FolderSettingsReading {
  const reading = emptyReading();
  reading.evidence.push(`read ${relative(root, file)}`);
  for (const [key, setting] of readJsonSettings(text, file)) {
    if (setting.type !== "string" || setting.value === "") continue;
    if (key !== "models_dir" && !/_dir$|_models_path$/.test(key)) continue;
    const folder = { name: key, path: resolve(root, setting.value), file, line: setting.line };
    if (key === "models_dir") reading.modelsDir = folder;
    else reading.folders[key] = folder;
  }
  return reading;
}
