import type { Command } from "commander";
import { type CliContext, globalOptions } from "../context.js";

const EXAMPLES = `
Examples:
  $ sdmodels undo                                   # revert the last install or sort
  $ sdmodels undo --list                            # batches, newest last
  $ sdmodels undo 2025-01-31T10-00-00-000Z-a1b2c3 --webui ~/ComfyUI

Undo acts only on what it can prove: a journal that is yours and writable by you alone, paths inside the WebUI
or the folders the batch moved files from, and every installed file exactly as installed (inode, size, mtime,
ctime, and SHA-256 where recorded); otherwise the whole batch is refused with the reason and nothing moves. A file
whose original path is taken is left in place and reported. Batches a killed run left half-applied are recovered
first. Exit codes: 0 reverted, 1 usage error (no WebUI found: pass --webui), 2 some file was left in place or the
batch was refused, 5 no such batch, or nothing left to undo.
`;

/**
 * `sdmodels undo` as the command line sees it: arguments, options, help. What it does lives in commands/undo.ts,
 * loaded only when the command runs, so `--help`, `--version` and the other commands never load its modules.
 */
export function registerUndo(program: Command, context: CliContext): void {
  program
    .command("undo")
    .description("revert the last install or sort (or the batch given)")
    .argument("[batch-id]", "batch to revert (default: the newest not yet undone)")
    .option("--webui <dir>", "WebUI root (default: $SDMODELS_WEBUI, else the current folder if it is a WebUI)")
    .option("--list", "list the batches instead of reverting one")
    .addHelpText("after", EXAMPLES)
    .action(async (batchId: string | undefined, flags: { webui?: string; list?: boolean }, command: Command) => {
      const { runUndo } = await import("../commands/undo.js");
      context.exitCode = await runUndo(batchId, flags, globalOptions(command), context.io);
    });
}
