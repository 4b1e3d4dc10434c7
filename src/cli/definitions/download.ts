import type { Command } from "commander";
import type { DownloadFlags } from "../commands/download.js";
import { type CliContext, globalOptions } from "../context.js";

const EXAMPLES = `
Examples:
  $ sdmodels download "https://civitai.com/models/4201?modelVersionId=130072" --to ~/Downloads
  $ sdmodels download urn:air:sdxl:lora:civitai:4201@130072 --dry-run      # name, size, no download
  $ sdmodels download https://huggingface.co/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors
  $ sdmodels download https://example.com/model.safetensors --sha256 <64 hex>

Downloads to <name>.part and renames only once size and SHA-256 match (Civitai's and Hugging Face's stated
hashes, or --sha256); an interrupted download resumes. The file is then inspected (never installed).
Tokens: --token (sent only to the URL's host), CIVITAI_TOKEN, HF_TOKEN; never printed.
Exit codes: 0 downloaded and not dangerous, 1 usage error, 2 file error, 3 the file is dangerous, 4 not authorised,
5 not found, 6 network error, 7 rate limited, 8 hash or size mismatch.
`;

/**
 * `sdmodels download` as the command line sees it: arguments, options, help. What it does lives in
 * commands/download.ts, loaded only when the command runs, so `--help`, `--version` and the other commands
 * never load its modules.
 */
export function registerDownload(program: Command, context: CliContext): void {
  program
    .command("download")
    .description("download a model (Civitai, Hugging Face or plain URL, or a Civitai AIR), verify it and inspect it")
    .argument("<url>", "Civitai model/version/download URL or AIR, Hugging Face resolve/blob URL, or any https URL")
    .option("--to <dir>", "folder to save into (created if missing; default: the current folder)")
    .option("--dry-run", "resolve the name, size and hash; download nothing")
    .option("--token <token>", "API token for the URL's host (else CIVITAI_TOKEN / HF_TOKEN); never printed")
    .option("--sha256 <hex>", "expected SHA-256; a mismatch deletes the download (exit 8)")
    .addHelpText("after", EXAMPLES)
    .action(async (input: string, flags: DownloadFlags, command: Command) => {
      const { runDownload } = await import("../commands/download.js");
      context.exitCode = await runDownload(input, flags, globalOptions(command), context.io);
    });
}
