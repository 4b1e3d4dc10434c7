import { listInstallBatches, undoInstall } from "../../app/undo.js";
import type { BatchListing } from "../../install/index.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { EXIT_FILE_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_REFUSED } from "../exit-codes.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { writeJson } from "../output/json.js";
import { outputWidth, renderTable } from "../output/table.js";
import { terminalSafe } from "../output/terminal-text.js";
import { recoveryLines } from "../report/render-install.js";
import { undoRefusalText, undoReport } from "../report/undo-report.js";
import { resolveTarget } from "../resolve-target.js";

export async function runUndo(
  batchId: string | undefined,
  flags: { webui?: string; list?: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const target = await resolveTarget(flags, io);
  if (flags.list) {
    const { journalDir, batches } = await listInstallBatches(target);
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

  const report = await undoInstall(target, batchId, {
    // Said before undo, which may refuse: batches a killed run left half-applied are settled either way.
    onRecovered: (recovered) => {
      for (const line of recoveryLines(recovered)) io.stderr.write(`${line}\n`);
    },
    interruptible: withInterruptSignals,
  });
  if (options.json) writeJson(io.stdout, undoReport(report));
  else {
    for (const r of report.restored)
      io.stdout.write(
        r.to === null ? `removed copy ${terminalSafe(r.from)}\n` : `${terminalSafe(r.from)} → ${terminalSafe(r.to)}\n`,
      );
    io.stdout.write(
      `batch ${report.batchId}: ${report.restored.length} restored, ${report.refused.length} left in place\n`,
    );
  }
  for (const r of report.refused) io.stderr.write(`sdmodels: ${r.path}: ${undoRefusalText(r)}\n`);
  if (report.interrupted) {
    io.stderr.write(`sdmodels: undo interrupted by ${report.interrupted}; run it again to put back the rest\n`);
    return EXIT_INTERRUPTED[report.interrupted === "SIGTERM" ? "SIGTERM" : "SIGINT"];
  }
  if (report.refused.some((r) => r.code === "dangerous")) return EXIT_REFUSED;
  return report.refused.length > 0 ? EXIT_FILE_ERROR : EXIT_OK;
}
