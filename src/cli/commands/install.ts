import { homedir } from "node:os";
import type { Command } from "commander";
import { resolveWebui } from "../../install/index.js";
import { civitaiDisagreements } from "../civitai-cross-check.js";
import { globalOptions, type CliContext, type CliIo, type GlobalOptions } from "../context.js";
import { UsageError } from "../errors.js";
import { parseSha256Flag } from "../fetch-source.js";
import { createFileHasher } from "../file-hasher.js";
import { addInstallFlags, planOptionsFrom, type InstallFlags } from "../install-options.js";
import { runInstallPipeline, type InstallOutcome } from "../install-pipeline.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { outputWidth } from "../output/table.js";
import { progressEnabled, startStatus } from "../progress.js";
import { installDetails, installExitCode, installReport, type InstallDetails, type InstallReport } from "../report/install-report.js";
import { batchErrorLines, refusalLines, renderInstall, type PathStyle } from "../report/render-install.js";
import { stageDownloads, type DownloadRecord } from "../stage-downloads.js";

const EXAMPLES = `
Examples:
  $ sdmodels install ~/Downloads/detail-tweaker.safetensors --webui ~/stable-diffusion-webui
  $ sdmodels install model.ckpt --dry-run                 # where would it go? touches nothing
  $ sdmodels install "https://civitai.com/models/4201?modelVersionId=130072"
  $ sdmodels install https://huggingface.co/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors --ui comfyui
  $ SDMODELS_WEBUI=~/ComfyUI sdmodels install *.safetensors --by-base --json

The folder comes from the file's header, never its name. Unknown, unreadable and dangerous files are never
installed; suspicious ones are installed with a warning unless --strict. URLs are downloaded into
<webui>/.sdmodels/downloads/ (an interrupted download resumes) and then installed like a local file.
Tokens: --token (sent only to the URL's host), CIVITAI_TOKEN, HF_TOKEN; never printed.

Exit codes: 0 installed, 1 usage error (or no WebUI found: pass --webui), 2 a file could not be read or installed, 4 not authorised, 5 not found,
6 network error, 7 rate limited, 8 hash or size mismatch, 9 a file was refused for safety, 130/143 stopped by
SIGINT/SIGTERM (the file in progress is put back; undo reverts what was installed before it).
`;

export interface InstallCommandFlags extends InstallFlags {
  token?: string;
  sha256?: string;
  /** false with --no-verify. */
  verify: boolean;
}

/** URLs and Civitai AIRs are downloaded; anything else is a local path. */
const REMOTE = /^(?:https?:\/\/|urn:air:)/i;

export async function runInstall(inputs: readonly string[], flags: InstallCommandFlags, options: GlobalOptions, io: CliIo): Promise<number> {
  const urls = inputs.filter((i) => REMOTE.test(i));
  const files = inputs.filter((i) => !REMOTE.test(i));
  const sha256 = parseSha256Flag(flags.sha256);
  if (sha256 !== undefined && urls.length !== 1) throw new UsageError("--sha256 needs exactly one URL to check");
  const planOptions = planOptionsFrom(flags);
  const target = await resolveWebui({ webui: flags.webui, ui: flags.ui, env: io.env, cwd: process.cwd() });

  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus("Preparing…", { stream: io.stderr, enabled: progressEnabled(io.stderr, options.json), color });
  let outcome: InstallOutcome;
  let downloads: DownloadRecord[];
  try {
    const staged = await stageDownloads(urls, target.root, { env: io.env, token: flags.token, sha256, verify: flags.verify, status, dryRun: planOptions.dryRun });
    downloads = staged.downloads;
    const hasher = createFileHasher({ env: io.env, useCache: true, status });
    outcome = await runInstallPipeline([...files, ...staged.paths], target, planOptions, {
      env: io.env,
      hasher,
      status,
      civitai: flags.civitai === true,
      token: flags.token,
      predicted: staged.predicted,
    });
  } finally {
    status.stop();
  }
  crossCheckDownloads(downloads, outcome);

  const report = installReport(outcome);
  const details = installDetails(outcome);
  const paths = pathStyle(io);
  for (const line of [...refusalLines(report, details, { paths }), ...batchErrorLines(report)]) io.stderr.write(`${line}\n`);
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
    for (const d of downloads) for (const line of d.civitai?.disagreements ?? []) io.stdout.write(`warning: ${d.fileName}: ${line}\n`);
    writeInstallReport(report, details, io, options, { copy: planOptions.copy, sortedDir: null });
  }
  return installExitCode(outcome, "install");
}

/** Civitai's type/base for a downloaded file is a cross-check of its header, never its placement. */
function crossCheckDownloads(downloads: readonly DownloadRecord[], outcome: InstallOutcome): void {
  for (const d of downloads) {
    const file = outcome.files.find((f) => f.candidate.source === d.path);
    if (d.civitai && file) {
      d.civitai.disagreements = civitaiDisagreements({ type: d.civitai.type ?? undefined, baseModel: d.civitai.baseModel ?? undefined }, file.classification);
    }
  }
}

/** Paths in the human report: relative to where the user is, or under `~`. */
export function pathStyle(io: CliIo): PathStyle {
  return { cwd: process.cwd(), home: io.env.HOME ?? io.env.USERPROFILE ?? homedir() };
}

/** The human report of install and sort on stdout, wrapped to the terminal (or COLUMNS), coloured only on a terminal. */
export function writeInstallReport(
  report: InstallReport,
  details: InstallDetails,
  io: CliIo,
  options: GlobalOptions,
  settings: { copy: boolean; sortedDir: string | null },
): void {
  const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
  io.stdout.write(renderInstall(report, details, { width: outputWidth(io.stdout, io.env), palette, paths: pathStyle(io), ...settings }));
}

export function registerInstall(program: Command, context: CliContext): void {
  addInstallFlags(
    program
      .command("install")
      .description("install model files or URLs into the right WebUI folder, decided from each file's header")
      .argument("<file-or-url...>", "model files, Civitai / Hugging Face / plain URLs, or Civitai AIRs"),
  )
    .option("--token <token>", "API token for the URL's host (else CIVITAI_TOKEN / HF_TOKEN); never printed")
    .option("--sha256 <hex>", "expected SHA-256 of the one URL's file; a mismatch deletes the download (exit 8)")
    .option("--no-verify", "do not check the size and SHA-256 the service states (an explicit --sha256 is still checked)")
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], flags: InstallCommandFlags, command: Command) => {
      context.exitCode = await runInstall(inputs, flags, globalOptions(command), context.io);
    });
}
