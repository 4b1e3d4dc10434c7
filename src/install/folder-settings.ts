import type { FolderSetting } from "./types.js";

/** What one UI's settings files say about its folders; the pieces a {@link WebuiTarget} is built from. */
export interface FolderSettingsReading {
  /** Layout setting key → folder (see `LayoutFolder.setting`). */
  folders: Record<string, FolderSetting>;
  /** Moves the models folder (`--models-dir`, `models_dir`, `ModelRoot`, `ModelDirectoryOverride`). */
  modelsDir?: FolderSetting;
  /** Moves the data folder (`--data-dir`): top-level folders such as A1111's `embeddings` and `extensions`. */
  dataDir?: FolderSetting;
  /** Which files were read, for the target's evidence. */
  evidence: string[];
  /** Settings the UI ignores or sdmodels cannot read without running code, with file and line. */
  warnings: string[];
}

export function emptyReading(): FolderSettingsReading {
  return { folders: {}, evidence: [], warnings: [] };
}
