import { homedir } from "node:os";
import type { CliIo, GlobalOptions } from "../context.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { outputWidth } from "../output/table.js";
import type { InstallDetails, InstallReport } from "./install-report.js";
import { type PathStyle, renderInstall } from "./render-install.js";

/** Paths in the human report: relative to where the user is, or under `~`. */
export function pathStyle(io: CliIo): PathStyle {
  return { cwd: io.cwd, home: io.env.HOME ?? io.env.USERPROFILE ?? homedir() };
}

/**
 * The human report of install and sort on stdout, wrapped to the terminal (or COLUMNS), coloured only on a terminal.
 */
export function writeInstallReport(
  report: InstallReport,
  details: InstallDetails,
  io: CliIo,
  options: GlobalOptions,
  settings: { copy: boolean; sortedDir: string | null },
): void {
  const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
  io.stdout.write(
    renderInstall(report, details, {
      width: outputWidth(io.stdout, io.env),
      palette,
      paths: pathStyle(io),
      ...settings,
    }),
  );
}
