import { type Command, Option } from "commander";
import { UI_NAMES, type UiName } from "../../install/types.js";
import { type CliContext, globalOptions } from "../context.js";

const EXAMPLES = `
Examples:
  $ sdmodels config                                   # where the config file is and what it holds
  $ sdmodels config webui ~/stable-diffusion-webui    # install/sort/undo use it when no other WebUI is named
  $ sdmodels config webui D:\\ComfyUI --ui comfyui
  $ sdmodels config webui --unset

A WebUI named by --webui, by SDMODELS_WEBUI, or by the current folder (or one above it) still wins over the
remembered one. The file lives in the OS's config folder (SDMODELS_CONFIG_DIR overrides it).
Exit codes: 0 done, 1 usage error (not a WebUI, or a config file that does not parse).
`;

/**
 * `sdmodels config` as the command line sees it. What it does lives in commands/config.ts, loaded only when the
 * command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerConfig(program: Command, context: CliContext): void {
  const config = program
    .command("config")
    .description("show or change what sdmodels remembers (the WebUI to use when none is named)")
    .addHelpText("after", EXAMPLES)
    .action(async (_flags: unknown, command: Command) => {
      const { runConfigShow } = await import("../commands/config.js");
      context.exitCode = await runConfigShow(globalOptions(command), context.io);
    });
  config
    .command("webui")
    .description("remember the WebUI that install, sort and undo use when none is named")
    .argument("[dir]", "the WebUI folder")
    .addOption(
      new Option("--ui <name>", "remember the WebUI type too, instead of detecting it each time").choices(UI_NAMES),
    )
    .option("--create", "with --ui: accept a folder that is not a WebUI (yet)")
    .option("--unset", "forget the remembered WebUI")
    .addHelpText("after", EXAMPLES)
    .action(
      async (dir: string | undefined, flags: { ui?: UiName; create?: boolean; unset?: boolean }, command: Command) => {
        const { runConfigWebui } = await import("../commands/config.js");
        context.exitCode = await runConfigWebui(dir, flags, globalOptions(command), context.io);
      },
    );
}
