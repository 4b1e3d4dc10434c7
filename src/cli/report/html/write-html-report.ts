import { writeFile } from "node:fs/promises";
import type { InstallOutcome } from "../../../app/install-pipeline.js";
import type { CliIo } from "../../context.js";
import { type InstallReport, installReport } from "../install-report.js";
import { loadPreviews } from "./previews.js";
import { renderHtmlReport } from "./render-html.js";
import { type HtmlReportData, installHtmlReport, type Preview } from "./report-model.js";

/**
 * Previews of the given model files, found where each file is now: beside its destination once an applied batch
 * moved it (its sidecars moved with it), else beside its source.
 */
export async function previewsNow(
  sources: readonly string[],
  applied: InstallReport | null,
): Promise<Map<string, Preview>> {
  const now = new Map(sources.map((s) => [s, s]));
  if (applied && !applied.dryRun) {
    for (const e of applied.plan)
      if (
        e.action === "move" &&
        e.destination &&
        applied.results?.some((r) => r.source === e.source && r.status === "done")
      )
        now.set(e.source, e.destination);
  }
  const loaded = await loadPreviews([...now.values()]);
  const bySource = new Map<string, Preview>();
  for (const [source, path] of now) {
    const preview = loaded.get(path);
    if (preview) bySource.set(source, preview);
  }
  return bySource;
}

/** install and sort: the page of the batch just planned (and applied), with previews where the files are now. */
export async function writeInstallHtmlReport(
  path: string,
  command: "install" | "sort",
  outcome: InstallOutcome,
  io: CliIo,
): Promise<void> {
  const previews = await previewsNow(
    outcome.files.filter((f) => f.candidate.format !== "diffusers").map((f) => f.candidate.source),
    installReport(outcome),
  );
  await writeHtmlReport(path, installHtmlReport(command, outcome, previews, new Date().toISOString()), io);
}

/** Writes the page and says where on stderr (stdout stays the command's report). */
export async function writeHtmlReport(path: string, data: HtmlReportData, io: CliIo): Promise<void> {
  await writeFile(path, renderHtmlReport(data));
  io.stderr.write(`report written to ${path}\n`);
}
