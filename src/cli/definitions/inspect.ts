import type { Command } from "commander";
import type { InspectFlags } from "../commands/inspect.js";
import { type CliContext, globalOptions } from "../context.js";
import { jobsOption } from "../jobs-option.js";

const EXAMPLES = `
Examples:
  $ sdmodels inspect model.safetensors
  $ sdmodels inspect ~/Downloads/*.ckpt                  # pickles are scanned, never unpickled
  $ sdmodels inspect stable-diffusion-webui/models       # walks .safetensors .sft .ckpt .pt .pth .bin .pkl .gguf
  $ sdmodels inspect models --json | jq -r '.[] | select(.safety.verdict != "safe") | .path'
  $ sdmodels inspect lora.safetensors --civitai          # Civitai's page, sidecars, and whether it agrees

Exit codes: 0 every file read and none dangerous, 1 usage error, 2 some file had an error,
3 some file is dangerous (wins over 2).
`;

/**
 * `sdmodels inspect` as the command line sees it: arguments, options, help. What it does lives in commands/inspect.ts,
 * loaded only when the command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerInspect(program: Command, context: CliContext): void {
  program
    .command("inspect")
    .description("tell what model files are from their headers, and whether they are safe to load")
    .argument("<paths...>", "model files, or directories to walk")
    .option(
      "--civitai",
      "look files up on Civitai by SHA-256, write .civitai.info and .preview.png beside them, cross-check type/base",
    )
    .option(
      "--report <file.html>",
      "also write a self-contained HTML report (previews, filters by kind, base and verdict)",
    )
    .addOption(jobsOption())
    .addHelpText("after", EXAMPLES)
    .action(async (paths: string[], flags: InspectFlags, command: Command) => {
      const { runInspect } = await import("../commands/inspect.js");
      context.exitCode = await runInspect(paths, globalOptions(command), context.io, flags);
    });
}
