import { formatBytes } from "../../app/format-bytes.js";
import { type HashReport, hashFiles } from "../../app/hash-files.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { progressEnabled, startStatus } from "../progress.js";

export async function runHash(
  paths: readonly string[],
  flags: { cache: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const status = await startStatus("Hashing…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color: colorEnabled(io.stderr, io.env, options.color),
  });
  let reports: HashReport[];
  try {
    reports = await hashFiles(paths, { env: io.env, cache: flags.cache, status });
  } finally {
    status.stop();
  }
  if (options.json) writeJson(io.stdout, reports);
  else {
    // The table (and string-width under it, ~40 ms to load) only for people: `--json` runs start that much sooner.
    const { outputWidth, renderTable } = await import("../output/table.js");
    const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
    io.stdout.write(
      renderTable(
        [
          { header: "FILE", value: (r: HashReport) => r.path, shrink: "middle", minWidth: 16 },
          { header: "SIZE", value: (r) => formatBytes(r.size), shrink: "none" },
          { header: "SHA256", value: (r) => r.sha256, shrink: "none" },
          { header: "AUTOV2", value: (r) => r.autov2, shrink: "none" },
          { header: "AUTOV1", value: (r) => r.autov1 ?? "-", shrink: "none" },
          { header: "AUTOV3", value: (r) => r.autov3 ?? "-", shrink: "none" },
        ],
        reports,
        { width: outputWidth(io.stdout, io.env), header: palette.bold },
      ),
    );
  }
  return EXIT_OK;
}
