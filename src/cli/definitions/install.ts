import type { Command } from "commander";
import type { InstallCommandFlags } from "../commands/install.js";
import { type CliContext, globalOptions } from "../context.js";
import { addInstallFlags } from "../install-options.js";

const EXAMPLES = `
Examples:
  $ sdmodels install ~/Downloads/detail-tweaker.safetensors --webui ~/stable-diffusion-webui
  $ sdmodels install model.ckpt --dry-run                 # where would it go? touches nothing
  $ sdmodels install "https://civitai.com/models/4201?modelVersionId=130072"
  $ sdmodels install https://huggingface.co/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors --ui comfyui
  $ SDMODELS_WEBUI=~/ComfyUI sdmodels install *.safetensors --by-base --json

The folder comes from the file's header, never its name. Unknown, unreadable and dangerous files are never
installed; suspicious ones are installed with a warning unless --strict. URLs are downloaded into
<webui>/.sdmodels/downloads/ (an interrupted download resumes) and then installed like a local file.
Tokens: --token (sent only to the URL's host), CIVITAI_TOKEN, HF_TOKEN; never printed.

Exit codes: 0 installed, 1 usage error (or no WebUI found: pass --webui), 2 a file could not be read or installed, 4 not authorised, 5 not found,
6 network error, 7 rate limited, 8 hash or size mismatch, 9 a file was refused for safety, 130/143 stopped by
SIGINT/SIGTERM (the file in progress is put back; undo reverts what was installed before it).
`;

/**
 * `sdmodels install` as the command line sees it: arguments, options, help. What it does lives in commands/install.ts,
 * loaded only when the command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerInstall(program: Command, context: CliContext): void {
  addInstallFlags(
    program
      .command("install")
      .description("install model files or URLs into the right WebUI folder, decided from each file's header")
      .argument("<file-or-url...>", "model files, Civitai / Hugging Face / plain URLs, or Civitai AIRs"),
  )
    .option("--token <token>", "API token for the URL's host (else CIVITAI_TOKEN / HF_TOKEN); never printed")
    .option("--sha256 <hex>", "expected SHA-256 of the one URL's file; a mismatch deletes the download (exit 8)")
    .option(
      "--no-verify",
      "do not check the size and SHA-256 the service states (an explicit --sha256 is still checked)",
    )
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], flags: InstallCommandFlags, command: Command) => {
      const { runInstall } = await import("../commands/install.js");
      context.exitCode = await runInstall(inputs, flags, globalOptions(command), context.io);
    });
}
