import type { Command } from "commander";
import { type CliContext, globalOptions } from "../context.js";

const EXAMPLES = `
Examples:
  $ sdmodels hash model.safetensors
  $ sdmodels hash models/Lora/*.safetensors --json | jq -r '.[].autov2'
  $ sdmodels hash big.ckpt --no-cache                    # re-read even if the cache knows the file

SHA-256 of the whole file; AutoV2 (A1111 "Model hash", Civitai search) is its first 10 hex; AutoV1 the legacy
A1111 hash (null below 2 MiB); AutoV3 the addnet hash of a safetensors file's data (null for other files).
Hashes are cached by path, size, mtime and inode in the sdmodels state folder.
Exit codes: 0 hashed, 1 usage error, 2 a file could not be read.
`;

/**
 * `sdmodels hash` as the command line sees it: arguments, options, help. What it does lives in commands/hash.ts,
 * loaded only when the command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerHash(program: Command, context: CliContext): void {
  program
    .command("hash")
    .description("SHA-256 and the Civitai / A1111 short hashes (AutoV2, AutoV1, AutoV3) of files")
    .argument("<files...>", "files to hash")
    .option("--no-cache", "ignore and do not update the hash cache")
    .addHelpText("after", EXAMPLES)
    .action(async (paths: string[], flags: { cache: boolean }, command: Command) => {
      // First of all: the AutoV3 thread boots on the other core while the command's modules load.
      const thread = await import("../../hash/sha256-thread.js");
      await thread.prestartSha256ThreadFor(paths);
      try {
        const { runHash } = await import("../commands/hash.js");
        context.exitCode = await runHash(paths, flags, globalOptions(command), context.io);
      } finally {
        await thread.stopSpareSha256Thread();
      }
    });
}
