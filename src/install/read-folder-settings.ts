import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseExtraModelPaths } from "./comfy-extra-paths.js";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";
import { readFooocusConfig } from "./fooocus-config.js";
import { readSdnextConfig } from "./sdnext-config.js";
import { readStabilityMatrixSettings } from "./stability-matrix-settings.js";
import { readSwarmSettings } from "./swarm-settings.js";
import type { UiName } from "./types.js";
import { readWebuiUserSettings, webuiUserPaths } from "./webui-user-settings.js";

export interface SettingsContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

export interface UiSettings extends FolderSettingsReading {
  /** ComfyUI: every `extra_model_paths.yaml` folder by key, install targets or not. */
  extraFolders: Record<string, string[]>;
}

/**
 * The I/O edge of reading a UI's folder settings: finds the UI's own settings files under `root`, reads them as text
 * (never runs them) and hands them to the reader for their format. A missing file means the defaults.
 */
export async function readFolderSettings(ui: UiName, root: string, context: SettingsContext): Promise<UiSettings> {
  const withoutExtra = (reading: FolderSettingsReading): UiSettings => ({ ...reading, extraFolders: {} });
  switch (ui) {
    case "a1111":
    case "forge": {
      const paths = webuiUserPaths(root);
      const [macosEnv, sh, bat] = await Promise.all(
        [paths.macosEnv, paths.sh, paths.bat].map(async (path) => ({ path, text: await readText(path) })),
      );
      return withoutExtra(
        readWebuiUserSettings(
          { macosEnv: macosEnv!, sh: sh!, bat: bat! },
          { root, platform: context.platform, env: context.env, exists },
        ),
      );
    }
    case "sdnext":
      return withoutExtra(
        await readIfPresent(join(root, "config.json"), (text, file) => readSdnextConfig(text, file, root)),
      );
    case "swarmui":
      return withoutExtra(
        await readIfPresent(join(root, "Data", "Settings.fds"), (text, file) => readSwarmSettings(text, file, root)),
      );
    case "fooocus": {
      // Fooocus reads ./config.txt from its working folder: the UI's folder, or the portable package around it,
      // whose run.bat starts Fooocus from there.
      const portable = dirname(root);
      const cwd = basename(root) === "Fooocus" && isDir(join(portable, "python_embeded")) ? portable : root;
      return withoutExtra(
        await readIfPresent(join(cwd, "config.txt"), (text, file) => readFooocusConfig(text, file, cwd, isDir)),
      );
    }
    case "stabilitymatrix":
      return withoutExtra(
        await readIfPresent(join(root, "settings.json"), (text, file) => readStabilityMatrixSettings(text, file, root)),
      );
    case "comfyui":
      return readComfySettings(root, context);
  }
}

async function readComfySettings(root: string, context: SettingsContext): Promise<UiSettings> {
  const file = join(root, "extra_model_paths.yaml");
  const text = await readText(file);
  const reading: UiSettings = { ...emptyReading(), extraFolders: {} };
  if (text === null) return reading;
  const extra = parseExtraModelPaths(text, file, {
    env: context.env,
    home: context.env.HOME ?? context.env.USERPROFILE ?? homedir(),
    platform: context.platform,
  });
  reading.extraFolders = extra.folders;
  for (const [key, { path, line }] of Object.entries(extra.defaults))
    reading.folders[key] = { name: key, path, file, line };
  const keys = Object.keys(extra.defaults);
  reading.evidence.push(
    keys.length > 0
      ? `read ${file}: is_default folders for ${keys.join(", ")}`
      : `read ${file}: no is_default section, installing into ${join(root, "models")}`,
  );
  return reading;
}

async function readIfPresent(
  file: string,
  read: (text: string, file: string) => FolderSettingsReading,
): Promise<FolderSettingsReading> {
  const text = await readText(file);
  return text === null ? emptyReading() : read(text, file);
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
    throw error;
  }
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
