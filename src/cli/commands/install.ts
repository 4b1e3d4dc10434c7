import { createFileHasher } from "../../app/file-hasher.js";
import type { InstallOutcome } from "../../app/install-pipeline.js";
import { installSources, isRemoteSource } from "../../app/install-sources.js";
import type { DownloadRecord } from "../../app/stage-downloads.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { type InstallFlags, planOptionsFrom } from "../install-options.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { colorEnabled } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { progressEnabled, startStatus } from "../progress.js";
import { installDetails, installExitCode, installReport } from "../report/install-report.js";
import { batchErrorLines, refusalLines } from "../report/render-install.js";
import { pathStyle, writeInstallReport } from "../report/write-install-report.js";
import { resolveTarget } from "../resolve-target.js";
import { parseSha256Flag } from "../sha256-flag.js";

export interface InstallCommandFlags extends InstallFlags {
  token?: string;
  sha256?: string;
  /** false with --no-verify. */
  verify: boolean;
}

export async function runInstall(
  inputs: readonly string[],
  flags: InstallCommandFlags,
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const sha256 = parseSha256Flag(flags.sha256);
  if (sha256 !== undefined && inputs.filter(isRemoteSource).length !== 1)
    throw new UsageError("--sha256 needs exactly one URL to check");
  const planOptions = planOptionsFrom(flags);
  const target = await resolveTarget(flags, io);

  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus("Preparing…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color,
  });
  let outcome: InstallOutcome;
  let downloads: DownloadRecord[];
  try {
    ({ outcome, downloads } = await installSources(inputs, target, planOptions, {
      env: io.env,
      hasher: createFileHasher({ env: io.env, useCache: true, status }),
      status,
      civitai: flags.civitai === true,
      keepMetadata: flags.report !== undefined,
      jobs: flags.jobs,
      token: flags.token,
      sha256,
      verify: flags.verify,
      interruptible: withInterruptSignals,
    }));
  } finally {
    status.stop();
  }

  const report = installReport(outcome);
  const details = installDetails(outcome);
  const paths = pathStyle(io);
  for (const line of [...refusalLines(report, details, { paths }), ...batchErrorLines(report)])
    io.stderr.write(`${line}\n`);
  if (options.json) {
    writeJson(io.stdout, { ...report, downloads });
  } else {
    for (const d of downloads.filter((d) => !d.downloaded)) {
      const planned = report.plan.find((e) => e.source === d.path);
      io.stdout.write(
        `would download ${d.input}\n  as ${d.fileName}${d.size === null ? "" : ` (${d.size} bytes)`}\n  to ${
          planned?.destination ?? "a folder decided by the file's header after download"
        }\n`,
      );
    }
    for (const d of downloads)
      for (const line of d.civitai?.disagreements ?? []) io.stdout.write(`warning: ${d.fileName}: ${line}\n`);
    writeInstallReport(report, details, io, options, { copy: planOptions.copy, sortedDir: null });
  }
  if (flags.report) {
    // The report's page builder and preview decoders load only for --report.
    const { writeInstallHtmlReport } = await import("../report/html/write-html-report.js");
    await writeInstallHtmlReport(flags.report, "install", outcome, io);
  }
  return installExitCode(outcome, "install");
}
