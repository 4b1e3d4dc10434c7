import { type Command, Option } from "commander";
import { type ConflictPolicy, type PlanOptions, UI_NAMES, type UiName } from "../install/types.js";
import { jobsOption } from "./jobs-option.js";

/** The flags `install` and `sort` share, as commander parses them. */
export interface InstallFlags {
  webui?: string;
  ui?: UiName;
  create?: boolean;
  dryRun?: boolean;
  copy?: boolean;
  onConflict: ConflictPolicy;
  strict?: boolean;
  lycorisDir?: boolean;
  byBase?: boolean;
  civitai?: boolean;
  /** Also write a self-contained HTML report to this file. */
  report?: string;
  /** Most threads inspecting at once (`--jobs`). */
  jobs?: number;
}

const CONFLICT_POLICIES: readonly ConflictPolicy[] = ["rename", "skip", "fail"];

/** Adds the shared install flags; commander rejects a bad `--ui` or `--on-conflict` value as a usage error. */
export function addInstallFlags(command: Command): Command {
  return command
    .option(
      "--webui <dir>",
      "WebUI root (default: $SDMODELS_WEBUI, else the current folder or one above it, else `sdmodels config webui`)",
    )
    .addOption(new Option("--ui <name>", "force the WebUI type instead of detecting it").choices(UI_NAMES))
    .option("--create", "with --ui: install into a folder that is not a WebUI (yet), creating its folders")
    .option("--dry-run", "print the plan; touch nothing")
    .option("--copy", "copy instead of move (keep the source)")
    .addOption(
      new Option(
        "--on-conflict <policy>",
        "different file already at the destination: install as 'name_2' (a valid prompt token), skip, or fail",
      )
        .choices(CONFLICT_POLICIES)
        .default("rename"),
    )
    .option(
      "--strict",
      "refuse suspicious files, and models whose sidecar would stay behind, instead of installing them with a warning",
    )
    .option("--lycoris-dir", "A1111: put LyCORIS files (LoCon, LoHa, LoKr, …) in models/LyCORIS")
    .option("--by-base", "sort into base sub-folders (SD1.5, SDXL, FLUX1, …)")
    .option(
      "--civitai",
      "look files up on Civitai by SHA-256, write .civitai.info and .preview.png, cross-check type/base",
    )
    .option(
      "--report <file.html>",
      "also write a self-contained HTML report (previews, filters by kind, base and verdict)",
    )
    .addOption(jobsOption());
}

export function planOptionsFrom(flags: InstallFlags): PlanOptions {
  return {
    dryRun: flags.dryRun === true,
    copy: flags.copy === true,
    onConflict: flags.onConflict,
    strict: flags.strict === true,
    lycorisDir: flags.lycorisDir === true,
    byBase: flags.byBase === true,
    sortedDir: null,
  };
}
