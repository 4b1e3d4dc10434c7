import type { CivitaiMatch } from "../../app/civitai-lookup.js";
import { inspectPaths, lookUpInspectedOnCivitai } from "../../app/inspect-files.js";
import type { InspectedFile } from "../../app/inspected-file.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { outputWidth } from "../output/table.js";
import { progressEnabled, startStatus } from "../progress.js";
import { type InspectionReport, inspectExitCode, inspectionReport } from "../report/inspection-report.js";
import { renderCivitaiMatches } from "../report/render-civitai.js";
import { renderInspectionBlock, renderInspectionTable } from "../report/render-inspection.js";

/** One inspected file as the run keeps it until everything is printed. */
interface KeptFile {
  report: InspectionReport;
  block: string | null;
  /** For the summary table and the HTML report. */
  summary: InspectedFile;
}

export interface InspectFlags {
  civitai?: boolean;
  report?: string;
  /** Most threads inspecting at once (`--jobs`). */
  jobs?: number;
}

export async function runInspect(
  paths: readonly string[],
  options: GlobalOptions,
  io: CliIo,
  flags: InspectFlags = {},
): Promise<number> {
  const status = await startStatus("Inspecting…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color: colorEnabled(io.stderr, io.env, options.color),
  });
  const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
  const files: KeptFile[] = [];
  let civitai: CivitaiMatch[] = [];
  let targets: string[];
  try {
    const onFile = (n: number, total: number, path: string) => status.update(`Inspecting ${n + 1}/${total} ${path}`);
    const inspected = await inspectPaths(paths, { onFile, jobs: flags.jobs });
    targets = inspected.targets;
    for await (const file of inspected.files) {
      files.push({
        report: inspectionReport(file),
        block: options.json ? null : renderInspectionBlock(file, palette),
        summary: file,
      });
    }
    if (flags.civitai) {
      civitai = await lookUpInspectedOnCivitai(
        files.map((f) => ({ ...f.report, classification: f.summary.classification })),
        { env: io.env, status },
      );
    }
  } finally {
    status.stop();
  }

  if (targets.length === 0) io.stderr.write(`sdmodels: no model files found in ${paths.join(", ")}\n`);
  if (options.json) {
    const byPath = new Map(civitai.map((m) => [m.path, m]));
    writeJson(
      io.stdout,
      files.map((f) => ({ ...f.report, ...(flags.civitai ? { civitai: byPath.get(f.report.path) ?? null } : {}) })),
    );
  } else {
    io.stdout.write(files.map((f) => f.block).join("\n"));
    // A walked directory shows up as targets that differ from the paths given; one row is enough to want the table.
    const walked = targets.length !== paths.length || targets.some((t, i) => t !== paths[i]);
    if (files.length > 0 && (files.length > 1 || walked)) {
      io.stdout.write(
        `\n${renderInspectionTable(
          files.map((f) => f.summary),
          outputWidth(io.stdout, io.env),
          palette,
        )}`,
      );
    }
    if (civitai.length > 0) io.stdout.write(`\n${renderCivitaiMatches(civitai, palette)}`);
  }
  if (flags.report) {
    // The report's page builder and preview decoders load only for --report.
    const [{ inspectHtmlReport }, { previewsNow, writeHtmlReport }] = await Promise.all([
      import("../report/html/report-model.js"),
      import("../report/html/write-html-report.js"),
    ]);
    const models = files.filter((f) => f.report.format !== "diffusers").map((f) => f.report.path);
    await writeHtmlReport(
      flags.report,
      inspectHtmlReport(
        files.map((f) => f.summary),
        await previewsNow(models, null),
        new Date().toISOString(),
      ),
      io,
    );
  }
  return inspectExitCode(files.map((f) => f.summary.inspection));
}
