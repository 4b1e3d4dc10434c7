import { type AuditOutcome, auditWebui } from "../../app/audit.js";
import { createFileHasher } from "../../app/file-hasher.js";
import { resolveWebui } from "../../install/index.js";
import type { UiName } from "../../install/types.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { terminalSafe } from "../output/terminal-text.js";
import { progressEnabled, startStatus } from "../progress.js";
import { auditExitCode, auditReport, fixOutcome, quarantineProblemText } from "../report/audit-report.js";
import { installDetails } from "../report/install-report.js";
import { renderAudit } from "../report/render-audit.js";
import { batchErrorLines } from "../report/render-install.js";
import { writeInstallReport } from "../report/write-install-report.js";

export interface AuditFlags {
  webui?: string;
  ui?: UiName;
  fix?: boolean;
  quarantineSuspicious?: boolean;
  dryRun?: boolean;
  report?: string;
  /** Most threads inspecting at once (`--jobs`). */
  jobs?: number;
}

export async function runAudit(flags: AuditFlags, options: GlobalOptions, io: CliIo): Promise<number> {
  if (flags.quarantineSuspicious && !flags.fix)
    throw new UsageError("--quarantine-suspicious needs --fix: it chooses what the fix moves");
  const target = await resolveWebui({ webui: flags.webui, ui: flags.ui, env: io.env, cwd: io.cwd });
  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus(`Auditing ${target.root}…`, {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color,
  });
  let outcome: AuditOutcome;
  try {
    const hasher = createFileHasher({ env: io.env, useCache: true, status });
    outcome = await auditWebui(target, {
      hasher,
      onStatus: (text) => status.update(text),
      fix: flags.fix === true,
      quarantineSuspicious: flags.quarantineSuspicious === true,
      dryRun: flags.dryRun === true,
      interruptible: withInterruptSignals,
      keepMetadata: flags.report !== undefined,
      jobs: flags.jobs,
    });
  } finally {
    status.stop();
  }
  const report = auditReport(outcome);
  if (report.fix) for (const line of batchErrorLines(report.fix)) io.stderr.write(`${line}\n`);
  if (report.quarantineProblem)
    io.stderr.write(`sdmodels: ${terminalSafe(quarantineProblemText(report.quarantineProblem))}\n`);
  if (options.json) {
    writeJson(io.stdout, report);
  } else {
    io.stdout.write(renderAudit(report, createPalette(colorEnabled(io.stdout, io.env, options.color))));
    const fix = fixOutcome(outcome);
    if (fix && report.fix) {
      io.stdout.write(`\n--fix${report.fix.dryRun ? " (dry run)" : ""}, quarantine ${report.quarantine}:\n`);
      writeInstallReport(report.fix, installDetails(fix), io, options, { copy: false, sortedDir: target.root });
    }
  }
  if (flags.report) {
    // The report's page builder and preview decoders load only for --report.
    const [{ auditHtmlReport }, { previewsNow, writeHtmlReport }] = await Promise.all([
      import("../report/html/report-model.js"),
      import("../report/html/write-html-report.js"),
    ]);
    const sources = outcome.files.filter((f) => f.candidate.format !== "diffusers").map((f) => f.candidate.source);
    await writeHtmlReport(
      flags.report,
      auditHtmlReport(outcome, await previewsNow(sources, report.fix), new Date().toISOString()),
      io,
    );
  }
  return auditExitCode(report);
}
