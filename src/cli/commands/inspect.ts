import type { Command } from "commander";
import { inspectFile } from "../../inspect/inspect-file.js";
import { expandModelPaths } from "../../inspect/walk.js";
import { globalOptions, type CliContext, type CliIo, type GlobalOptions } from "../context.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { outputWidth } from "../output/table.js";
import { progressEnabled, startStatus } from "../progress.js";
import { classifyInspection, inspectExitCode, inspectionReport } from "../report/inspection-report.js";
import { renderInspectionBlock, renderInspectionTable, type InspectedFile } from "../report/render-inspection.js";

const EXAMPLES = `
Examples:
  $ sdmodels inspect model.safetensors
  $ sdmodels inspect ~/Downloads/*.ckpt                  # pickles are scanned, never unpickled
  $ sdmodels inspect stable-diffusion-webui/models       # walks .safetensors .sft .ckpt .pt .pth .bin .pkl .gguf
  $ sdmodels inspect models --json | jq -r '.[] | select(.safety.verdict != "safe") | .path'

Exit codes: 0 every file read and none dangerous, 1 usage error, 2 some file had an error,
3 some file is dangerous (wins over 2).
`;

export async function runInspect(paths: readonly string[], options: GlobalOptions, io: CliIo): Promise<number> {
  const targets = await expandModelPaths(paths);
  const status = await startStatus("Inspecting…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color: colorEnabled(io.stderr, io.env, options.color),
  });
  const files: InspectedFile[] = [];
  try {
    for (const [n, path] of targets.entries()) {
      status.update(`Inspecting ${n + 1}/${targets.length} ${path}`);
      const inspection = await inspectFile(path);
      files.push({ inspection, classification: classifyInspection(inspection) });
    }
  } finally {
    status.stop();
  }

  if (targets.length === 0) io.stderr.write(`sdmodels: no model files found in ${paths.join(", ")}\n`);
  if (options.json) {
    writeJson(io.stdout, files.map((f) => inspectionReport(f.inspection, f.classification)));
  } else {
    const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
    io.stdout.write(files.map((f) => renderInspectionBlock(f, palette)).join("\n"));
    // A walked directory shows up as targets that differ from the paths given; one row is enough to want the table.
    const walked = targets.length !== paths.length || targets.some((t, i) => t !== paths[i]);
    if (files.length > 0 && (files.length > 1 || walked)) {
      io.stdout.write(`\n${renderInspectionTable(files, outputWidth(io.stdout, io.env), palette)}`);
    }
  }
  return inspectExitCode(files.map((f) => f.inspection));
}

export function registerInspect(program: Command, context: CliContext): void {
  program
    .command("inspect")
    .description("tell what model files are from their headers, and whether they are safe to load")
    .argument("<paths...>", "model files, or directories to walk")
    .addHelpText("after", EXAMPLES)
    .action(async (paths: string[], _options: unknown, command: Command) => {
      context.exitCode = await runInspect(paths, globalOptions(command), context.io);
    });
}
