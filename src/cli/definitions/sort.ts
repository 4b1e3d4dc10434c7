import type { Command } from "commander";
import { type CliContext, globalOptions } from "../context.js";
import { addInstallFlags, type InstallFlags } from "../install-options.js";

const EXAMPLES = `
Examples:
  $ sdmodels sort ~/Downloads --webui ~/stable-diffusion-webui --dry-run
  $ sdmodels sort ~/Downloads --by-base                   # models/Lora/SDXL/…, models/Stable-diffusion/SD1.5/…
  $ sdmodels sort ~/Downloads --dry-run --json | jq '.plan[] | select(.action == "move") | .destination'
  $ sdmodels sort ~/Downloads --dry-run --jobs 1          # inspect on one thread: leave the other cores free
  $ sdmodels undo                                          # put the last sort back

Every model file under <dir> is inspected and classified from its header; the WebUI itself is never walked into.
Duplicates (same SHA-256 already installed), unknown, unreadable and dangerous files stay where they are.

Exit codes: 0 sorted (files with no place are reported, not errors), 1 usage error (or no WebUI found: pass --webui), 2 a file could not be read or
installed, or a conflict was left, 9 a file was refused for safety, 130/143 stopped by SIGINT/SIGTERM (undo reverts
what was installed before it).
`;

/**
 * `sdmodels sort` as the command line sees it: arguments, options, help. What it does lives in commands/sort.ts,
 * loaded only when the command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerSort(program: Command, context: CliContext): void {
  addInstallFlags(
    program
      .command("sort")
      .description("install every model file under a folder into the right WebUI folder; undo with `sdmodels undo`")
      .argument("<dir>", "folder to sort (e.g. your downloads)"),
  )
    .addHelpText("after", EXAMPLES)
    .action(async (dir: string, flags: InstallFlags, command: Command) => {
      const { runSort } = await import("../commands/sort.js");
      context.exitCode = await runSort(dir, flags, globalOptions(command), context.io);
    });
}
