import {
  type BatchListing,
  defaultJournalDir,
  listBatches,
  recoverStaleBatches,
  undoBatch,
} from "../../install/index.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { EXIT_FILE_ERROR, EXIT_INTERRUPTED, EXIT_OK } from "../exit-codes.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { writeJson } from "../output/json.js";
import { outputWidth, renderTable } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import { recoveryLines } from "../report/render-install.js";
import { resolveTarget } from "../resolve-target.js";

export async function runUndo(
  batchId: string | undefined,
  flags: { webui?: string; list?: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const target = await resolveTarget(flags, io);
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
    for (const r of report.restored)
      io.stdout.write(
        r.to === null ? `removed copy ${terminalSafe(r.from)}\n` : `${terminalSafe(r.from)} → ${terminalSafe(r.to)}\n`,
      );
    io.stdout.write(
      `batch ${report.batchId}: ${report.restored.length} restored, ${report.refused.length} left in place\n`,
    );
  }
  for (const r of report.refused) io.stderr.write(`sdmodels: ${r.path}: ${r.reason}\n`);
  if (report.interrupted) {
    io.stderr.write(`sdmodels: undo interrupted by ${report.interrupted}; run it again to put back the rest\n`);
    return EXIT_INTERRUPTED[report.interrupted === "SIGTERM" ? "SIGTERM" : "SIGINT"];
  }
  return report.refused.length > 0 ? EXIT_FILE_ERROR : EXIT_OK;
}
