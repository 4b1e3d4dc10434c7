import { resolve } from "node:path";
import { type DownloadOutcome, downloadModel } from "../../app/download-model.js";
import { statedSize } from "../../app/fetch-source.js";
import { formatBytes } from "../../app/format-bytes.js";
import { redactQueryTokens } from "../../download/tokens.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { terminalSafe } from "../output/terminal-text.js";
import { progressEnabled, startStatus } from "../progress.js";
import { inspectExitCode, inspectionReport } from "../report/inspection-report.js";
import { describeModel, paintVerdict } from "../report/render-inspection.js";
import { parseSha256Flag } from "../sha256-flag.js";

export interface DownloadFlags {
  to?: string;
  dryRun?: boolean;
  token?: string;
  sha256?: string;
}

export async function runDownload(
  input: string,
  flags: DownloadFlags,
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const sha256 = parseSha256Flag(flags.sha256);
  const dir = resolve(io.cwd, flags.to ?? ".");
  const color = colorEnabled(io.stderr, io.env, options.color);
  const status = await startStatus(`Resolving ${redactQueryTokens(input)}…`, {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color,
  });
  const settings = { env: io.env, token: flags.token, sha256, verify: true, status };
  const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
  let outcome: DownloadOutcome;
  try {
    outcome = await downloadModel(input, dir, { ...settings, dryRun: flags.dryRun === true });
  } finally {
    status.stop();
  }
  const { source } = outcome.resolved;
  // A key pasted in the URL's query (Civitai's `?token=`) is shown only as its fingerprint.
  const described = {
    input: redactQueryTokens(input),
    service: source.service,
    url: redactQueryTokens(source.url),
    fileName: outcome.resolved.fileName,
    expectedSize: source.expectedSize ?? null,
    approximateSize: source.approximateSize ?? null,
    expectedSha256: sha256 ?? source.expectedSha256 ?? null,
    civitai: source.civitai
      ? {
          modelId: source.civitai.modelId,
          versionId: source.civitai.versionId,
          modelName: source.civitai.modelName ?? null,
          type: source.civitai.modelType ?? null,
          baseModel: source.civitai.baseModel ?? null,
        }
      : null,
  };
  if (outcome.dryRun) {
    const { path, exists } = outcome;
    if (options.json) writeJson(io.stdout, { dryRun: true, source: described, path, exists });
    else {
      const size = statedSize(source);
      io.stdout.write(
        `would download ${terminalSafe(described.input)}\n` +
          `  as   ${terminalSafe(path)}${exists ? " (exists: the download would fail)" : ""}\n`,
      );
      io.stdout.write(
        `  size ${
          size === null ? "unknown" : `${formatBytes(size)}${source.expectedSize === undefined ? " (approximate)" : ""}`
        }\n`,
      );
      if (described.expectedSha256) io.stdout.write(`  sha256 ${described.expectedSha256}\n`);
      if (described.civitai)
        io.stdout.write(
          `  civitai ${terminalSafe(described.civitai.modelName ?? "?")} ` +
            `(${described.civitai.type ?? "?"}, ${described.civitai.baseModel ?? "?"})\n`,
        );
    }
    return EXIT_OK;
  }

  const { result, hashes, inspection, classification } = outcome;
  if (options.json) {
    writeJson(io.stdout, {
      dryRun: false,
      source: described,
      path: result.path,
      size: result.size,
      sha256: hashes.sha256,
      autov2: hashes.autov2,
      autov1: hashes.autov1,
      autov3: hashes.autov3,
      resumedFrom: result.resumedFrom,
      inspection: inspectionReport(outcome),
    });
  } else {
    io.stdout.write(`${palette.bold(terminalSafe(result.path))}\n`);
    io.stdout.write(
      `  size    ${formatBytes(result.size)} (${result.size.toLocaleString("en-US")} bytes)` +
        `${result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : ""}\n`,
    );
    io.stdout.write(`  sha256  ${hashes.sha256}\n  autov2  ${hashes.autov2}\n`);
    io.stdout.write(
      `  model   ${describeModel(classification)}\n  safety  ${paintVerdict(inspection.safety.verdict, palette)}\n`,
    );
    for (const reason of inspection.safety.reasons) io.stdout.write(`          - ${terminalSafe(reason)}\n`);
  }
  return inspectExitCode([inspection]);
}
