import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import envPaths from "env-paths";
import type { RememberedWebui } from "../install/resolve-webui.js";
import { UsageError } from "./errors.js";
import type { UserConfig } from "./user-config-schema.js";

/**
 * The config file: `SDMODELS_CONFIG_DIR/config.json`, else in the OS's config folder as env-paths names it:
 * `$XDG_CONFIG_HOME/sdmodels` (or `~/.config/sdmodels`) on Linux, `~/Library/Preferences/sdmodels` on macOS,
 * `%APPDATA%\sdmodels\Config` on Windows.
 */
export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.SDMODELS_CONFIG_DIR || envPaths("sdmodels", { suffix: "" }).config;
  return join(dir, "config.json");
}

/** The stored config; `{}` when there is no file. A file that is not such a config is a usage error naming it. */
export async function readUserConfig(path: string): Promise<UserConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message}); fix it or remove it`);
  }
  const { UserConfigSchema } = await import("./user-config-schema.js");
  const result = UserConfigSchema.safeParse(parsed);
  if (!result.success)
    throw new UsageError(
      `${path}: ${result.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ")}`,
    );
  return result.data;
}

/** Writes the config through a temp file and a rename, so a crash never leaves half a file; `{}` removes it. */
export async function writeUserConfig(path: string, config: UserConfig): Promise<void> {
  if (Object.keys(config).length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`);
  await rename(temp, path);
}

/** The remembered WebUI for {@link resolveWebui}, or null. */
export async function rememberedWebui(env: NodeJS.ProcessEnv): Promise<RememberedWebui | null> {
  const file = userConfigPath(env);
  const config = await readUserConfig(file);
  if (config.webui === undefined) return null;
  return { path: config.webui, file, ...(config.ui === undefined ? {} : { ui: config.ui }) };
}
