import { resolve } from "node:path";
import { createFileHasher } from "../../app/file-hasher.js";
import type { InstallOutcome } from "../../app/install-pipeline.js";
import { sortFolder } from "../../app/sort.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { type InstallFlags, planOptionsFrom } from "../install-options.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { colorEnabled } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { progressEnabled, startStatus } from "../progress.js";
import {
  installDetails,
  installExitCode,
  installReport,
  installReportWith,
  planEntryRows,
} from "../report/install-report.js";
import { batchErrorLines } from "../report/render-install.js";
import { writeInstallReport } from "../report/write-install-report.js";
import { resolveTarget } from "../resolve-target.js";

export async function runSort(dir: string, flags: InstallFlags, options: GlobalOptions, io: CliIo): Promise<number> {
  const planOptions = planOptionsFrom(flags);
  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus("Preparing…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color,
  });
  let outcome: InstallOutcome;
  try {
    outcome = await sortFolder(resolve(io.cwd, dir), () => resolveTarget(flags, io), planOptions, {
      env: io.env,
      hasher: createFileHasher({ env: io.env, useCache: true, status }),
      status,
      civitai: flags.civitai === true,
      keepMetadata: flags.report !== undefined,
      jobs: flags.jobs,
      interruptible: withInterruptSignals,
    });
  } finally {
    status.stop();
  }
  if (options.json) {
    // The rows are made as they are written: a folder of 100,000 files never holds them all at once.
    const report = installReportWith(outcome, planEntryRows(outcome));
    for (const line of batchErrorLines(report)) io.stderr.write(`${line}\n`);
    writeJson(io.stdout, report);
  } else {
    const report = installReport(outcome);
    for (const line of batchErrorLines(report)) io.stderr.write(`${line}\n`);
    writeInstallReport(report, installDetails(outcome), io, options, {
      copy: planOptions.copy,
      sortedDir: outcome.plan.options.sortedDir,
    });
  }
  if (flags.report) {
    // The report's page builder and preview decoders load only for --report.
    const { writeInstallHtmlReport } = await import("../report/html/write-html-report.js");
    await writeInstallHtmlReport(flags.report, "sort", outcome, io);
  }
  return installExitCode(outcome, "sort");
}
