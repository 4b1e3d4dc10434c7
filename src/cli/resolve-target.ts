import { resolveWebui } from "../install/resolve-webui.js";
import { UI_NAMES, type UiName, type WebuiTarget } from "../install/types.js";
import type { CliIo } from "./context.js";
import { UsageError } from "./errors.js";
import { rememberedWebui } from "./user-config.js";

/**
 * The WebUI a command works on: `--webui`, `SDMODELS_WEBUI`, the current folder or one above it, else the one
 * `sdmodels config webui` remembered. `--create` makes a new layout, so it needs `--ui` to say which. Loaded by the
 * commands only when they run, so `--help` never loads the settings readers or the config file's dependencies.
 */
export async function resolveTarget(
  flags: { webui?: string; ui?: UiName; create?: boolean },
  io: Pick<CliIo, "env" | "cwd">,
): Promise<WebuiTarget> {
  if (flags.create && !flags.ui)
    throw new UsageError(`--create needs --ui ${UI_NAMES.join("|")}: the layout to create`);
  return resolveWebui({
    webui: flags.webui,
    ui: flags.ui,
    create: flags.create === true,
    remembered: () => rememberedWebui(io.env),
    env: io.env,
    cwd: io.cwd,
  });
}
