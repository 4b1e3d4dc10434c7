import { stat } from "node:fs/promises";
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

/** A path's size, or 0 when it cannot be stat'ed (the command itself then says why). */
async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

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
      // First of all, boot the thread a safetensors file's AutoV3 stream runs on: it starts on the other core while
      // the command's modules load, instead of after the first read (where its ~30 ms delayed the whole hash). Only
      // for a file big enough to get one: for small files the boot is ~70 ms of CPU and 10 MB for nothing.
      const thread = await import("../../hash/sha256-thread.js");
      const sizes = await Promise.all(paths.map(sizeOrZero));
      if (sizes.some((size) => size >= thread.AUTOV3_THREAD_MIN_BYTES)) thread.prestartSha256Thread();
      try {
        const { runHash } = await import("../commands/hash.js");
        context.exitCode = await runHash(paths, flags, globalOptions(command), context.io);
      } finally {
        await thread.stopSpareSha256Thread();
      }
    });
}
