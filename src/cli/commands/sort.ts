import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { walkModelFiles } from "../../inspect/walk.js";
import { isInsideWebui, resolveWebui } from "../../install/index.js";
import { globalOptions, type CliContext, type CliIo, type GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { createFileHasher } from "../file-hasher.js";
import { addInstallFlags, planOptionsFrom, type InstallFlags } from "../install-options.js";
import { runInstallPipeline } from "../install-pipeline.js";
import { colorEnabled } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { progressEnabled, startStatus } from "../progress.js";
import { installDetails, installExitCode, installReport } from "../report/install-report.js";
import { batchErrorLines } from "../report/render-install.js";
import { writeInstallReport } from "./install.js";

const EXAMPLES = `
Examples:
  $ sdmodels sort ~/Downloads --webui ~/stable-diffusion-webui --dry-run
  $ sdmodels sort ~/Downloads --by-base                   # models/Lora/SDXL/…, models/Stable-diffusion/SD1.5/…
  $ sdmodels sort ~/Downloads --dry-run --json | jq '.plan[] | select(.action == "move") | .destination'
  $ sdmodels undo                                          # put the last sort back

Every model file under <dir> is inspected and classified from its header; the WebUI itself is never walked into.
Duplicates (same SHA-256 already installed), unknown, unreadable and dangerous files stay where they are.

Exit codes: 0 sorted (files with no place are reported, not errors), 1 usage error (or no WebUI found: pass --webui), 2 a file could not be read or
installed, or a conflict was left, 9 a file was refused for safety, 130/143 stopped by SIGINT/SIGTERM (undo reverts
what was installed before it).
`;

export async function runSort(dir: string, flags: InstallFlags, options: GlobalOptions, io: CliIo): Promise<number> {
  const source = resolve(dir);
  if (!(await stat(source).then((s) => s.isDirectory(), () => false))) throw new UsageError(`${source} is not a folder`);
  const target = await resolveWebui({ webui: flags.webui, ui: flags.ui, env: io.env, cwd: process.cwd() });
  if (isInsideWebui(source, target)) {
    throw new UsageError(`${source} is inside the WebUI ${target.root}; sort a folder outside it (e.g. your downloads)`);
  }
  const planOptions = planOptionsFrom(flags);
  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus(`Walking ${source}…`, { stream: io.stderr, enabled: progressEnabled(io.stderr, options.json), color });
  let outcome;
  try {
    // A source folder that contains the WebUI must not re-sort the library it fills.
    const paths = await walkModelFiles(source, { skipDir: (dir) => isInsideWebui(dir, target) });
    const hasher = createFileHasher({ env: io.env, useCache: true, status });
    outcome = await runInstallPipeline(paths, target, planOptions, { env: io.env, hasher, status, civitai: flags.civitai === true });
  } finally {
    status.stop();
  }
  const report = installReport(outcome);
  for (const line of batchErrorLines(report)) io.stderr.write(`${line}\n`);
  if (options.json) writeJson(io.stdout, report);
  else writeInstallReport(report, installDetails(outcome), io, options, { copy: planOptions.copy, sortedDir: source });
  return installExitCode(outcome, "sort");
}

export function registerSort(program: Command, context: CliContext): void {
  addInstallFlags(
    program
      .command("sort")
      .description("install every model file under a folder into the right WebUI folder; undo with `sdmodels undo`")
      .argument("<dir>", "folder to sort (e.g. your downloads)"),
  )
    .addHelpText("after", EXAMPLES)
    .action(async (dir: string, flags: InstallFlags, command: Command) => {
      context.exitCode = await runSort(dir, flags, globalOptions(command), context.io);
    });
}
