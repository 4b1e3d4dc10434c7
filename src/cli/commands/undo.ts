import type { Command } from "commander";
import { defaultJournalDir, listBatches, recoverStaleBatches, resolveWebui, undoBatch, type BatchListing } from "../../install/index.js";
import { globalOptions, type CliContext, type CliIo, type GlobalOptions } from "../context.js";
import { EXIT_FILE_ERROR, EXIT_INTERRUPTED, EXIT_OK } from "../exit-codes.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { writeJson } from "../output/json.js";
import { renderTable } from "../output/table.js";
import { outputWidth } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import { recoveryLines } from "../report/render-install.js";

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

export async function runUndo(
  batchId: string | undefined,
  flags: { webui?: string; list?: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const target = await resolveWebui({ webui: flags.webui, env: io.env, cwd: process.cwd() });
  const journalDir = defaultJournalDir(target);
  if (flags.list) {
    const batches = await listBatches(journalDir);
    if (options.json) writeJson(io.stdout, batches);
    else if (batches.length === 0) io.stdout.write(`no batches in ${journalDir}\n`);
    else {
      io.stdout.write(
        renderTable(
          [
            { header: "BATCH", value: (b: BatchListing) => b.batchId, shrink: "none" },
            { header: "UI", value: (b) => b.ui },
            { header: "MODE", value: (b) => b.mode },
            { header: "FILES", value: (b) => String(b.files) },
            { header: "STATE", value: (b) => b.state },
          ],
          batches,
          { width: outputWidth(io.stdout, io.env) },
        ),
      );
    }
    return EXIT_OK;
  }

  // Said before undo, which may refuse: batches a killed run left half-applied are settled either way.
  for (const line of recoveryLines(await recoverStaleBatches(journalDir))) io.stderr.write(`${line}\n`);
  const report = await withInterruptSignals((signal) => undoBatch(target, batchId, { signal }));
  if (options.json) writeJson(io.stdout, report);
  else {
    for (const r of report.restored) io.stdout.write(r.to === null ? `removed copy ${terminalSafe(r.from)}\n` : `${terminalSafe(r.from)} → ${terminalSafe(r.to)}\n`);
    io.stdout.write(`batch ${report.batchId}: ${report.restored.length} restored, ${report.refused.length} left in place\n`);
  }
  for (const r of report.refused) io.stderr.write(`sdmodels: ${r.path}: ${r.reason}\n`);
  if (report.interrupted) {
    io.stderr.write(`sdmodels: undo interrupted by ${report.interrupted}; run it again to put back the rest\n`);
    return EXIT_INTERRUPTED[report.interrupted === "SIGTERM" ? "SIGTERM" : "SIGINT"];
  }
  return report.refused.length > 0 ? EXIT_FILE_ERROR : EXIT_OK;
}

export function registerUndo(program: Command, context: CliContext): void {
  program
    .command("undo")
    .description("revert the last install or sort (or the batch given)")
    .argument("[batch-id]", "batch to revert (default: the newest not yet undone)")
    .option("--webui <dir>", "WebUI root (default: $SDMODELS_WEBUI, else the current folder if it is a WebUI)")
    .option("--list", "list the batches instead of reverting one")
    .addHelpText("after", EXAMPLES)
    .action(async (batchId: string | undefined, flags: { webui?: string; list?: boolean }, command: Command) => {
      context.exitCode = await runUndo(batchId, flags, globalOptions(command), context.io);
    });
}
