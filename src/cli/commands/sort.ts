import { realpath, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { createFileHasher } from "../../app/file-hasher.js";
import { type InstallOutcome, runInstallPipeline } from "../../app/install-pipeline.js";
import { walkModelFiles } from "../../inspect/walk.js";
import { isInsideAny, isInsideWebui, realWebuiRoots } from "../../install/index.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { type InstallFlags, planOptionsFrom } from "../install-options.js";
import { withInterruptSignals } from "../interrupt-signals.js";
import { colorEnabled } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { progressEnabled, startStatus } from "../progress.js";
import { writeInstallHtmlReport } from "../report/html/write-html-report.js";
import { installDetails, installExitCode, installReport } from "../report/install-report.js";
import { batchErrorLines } from "../report/render-install.js";
import { writeInstallReport } from "../report/write-install-report.js";
import { resolveTarget } from "../resolve-target.js";

export async function runSort(dir: string, flags: InstallFlags, options: GlobalOptions, io: CliIo): Promise<number> {
  const source = resolve(io.cwd, dir);
  if (
    !(await stat(source).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new UsageError(`${source} is not a folder`);
  const target = await resolveTarget(flags, io);
  // Judged by real paths too: a downloads folder can be a link into the WebUI's models folder.
  const realSource = await realpath(source);
  const realRoots = await realWebuiRoots(target);
  if (isInsideWebui(source, target) || isInsideAny(realSource, realRoots)) {
    throw new UsageError(
      `${source} is inside the WebUI ${target.root}; sort a folder outside it (e.g. your downloads)`,
    );
  }
  const planOptions = { ...planOptionsFrom(flags), sortedDir: source };
  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus(`Walking ${source}…`, {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color,
  });
  let outcome: InstallOutcome;
  try {
    // A source folder that contains the WebUI must not re-sort the library it fills. Linked folders are never
    // walked, so below the source a walked path and its real path differ only in the source's own prefix.
    const paths = await walkModelFiles(source, {
      followDirLinks: false,
      skipDir: (dir) => isInsideWebui(dir, target) || isInsideAny(join(realSource, relative(source, dir)), realRoots),
    });
    const hasher = createFileHasher({ env: io.env, useCache: true, status });
    outcome = await runInstallPipeline(paths, target, planOptions, {
      env: io.env,
      hasher,
      status,
      civitai: flags.civitai === true,
      interruptible: withInterruptSignals,
    });
  } finally {
    status.stop();
  }
  const report = installReport(outcome);
  for (const line of batchErrorLines(report)) io.stderr.write(`${line}\n`);
  if (options.json) writeJson(io.stdout, report);
  else writeInstallReport(report, installDetails(outcome), io, options, { copy: planOptions.copy, sortedDir: source });
  if (flags.report) await writeInstallHtmlReport(flags.report, "sort", outcome, io);
  return installExitCode(outcome, "sort");
}
