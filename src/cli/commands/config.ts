import { resolveWebui } from "../../install/resolve-webui.js";
import { UI_NAMES, type UiName } from "../../install/types.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson } from "../output/json.js";
import { terminalSafe } from "../output/terminal-text.js";
import { readUserConfig, userConfigPath, writeUserConfig } from "../user-config.js";

interface ConfigReport {
  file: string;
  webui: string | null;
  ui: UiName | null;
}

async function report(io: CliIo, options: GlobalOptions, file: string, prefix = ""): Promise<number> {
  const config = await readUserConfig(file);
  const data: ConfigReport = { file, webui: config.webui ?? null, ui: config.ui ?? null };
  if (options.json) writeJson(io.stdout, data);
  else {
    io.stdout.write(prefix);
    io.stdout.write(`config file  ${terminalSafe(file)}\n`);
    io.stdout.write(
      `webui        ${data.webui === null ? "(none)" : terminalSafe(data.webui)}` +
        `${data.ui === null ? "" : ` (--ui ${data.ui})`}\n`,
    );
  }
  return EXIT_OK;
}

export async function runConfigShow(options: GlobalOptions, io: CliIo): Promise<number> {
  return report(io, options, userConfigPath(io.env));
}

/**
 * Remembers a WebUI after checking it the way `install` would (markers, or `--ui` with `--create`), storing its
 * absolute root; `--unset` forgets it.
 */
export async function runConfigWebui(
  dir: string | undefined,
  flags: { ui?: UiName; create?: boolean; unset?: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const file = userConfigPath(io.env);
  const config = await readUserConfig(file);
  if (flags.unset) {
    if (dir !== undefined) throw new UsageError("--unset takes no folder");
    const { webui: _webui, ui: _ui, ...rest } = config;
    await writeUserConfig(file, rest);
    return report(io, options, file, options.json ? "" : "forgot the remembered WebUI\n");
  }
  if (dir === undefined) throw new UsageError("name the WebUI folder to remember, or pass --unset");
  if (flags.create && !flags.ui)
    throw new UsageError(`--create needs --ui ${UI_NAMES.join("|")}: the layout to create`);
  const target = await resolveWebui({
    webui: dir,
    ui: flags.ui,
    create: flags.create === true,
    env: io.env,
    cwd: io.cwd,
  });
  const { ui: _ui, ...rest } = config;
  await writeUserConfig(file, { ...rest, webui: target.root, ...(flags.ui === undefined ? {} : { ui: flags.ui }) });
  return report(io, options, file, options.json ? "" : `remembered ${target.ui} at ${terminalSafe(target.root)}\n`);
}
