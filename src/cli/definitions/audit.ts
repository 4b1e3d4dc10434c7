import { type Command, Option } from "commander";
import { UI_NAMES } from "../../install/types.js";
import type { AuditFlags } from "../commands/audit.js";
import { type CliContext, globalOptions } from "../context.js";
import { jobsOption } from "../jobs-option.js";

const EXAMPLES = `
Examples:
  $ sdmodels audit --webui ~/stable-diffusion-webui          # report only; touches nothing
  $ sdmodels audit --fix --dry-run                           # the plan that heals what was found
  $ sdmodels audit --fix                                     # apply it; \`sdmodels undo\` reverts it
  $ sdmodels audit --fix --quarantine-suspicious             # also move pickles that need trusting out of sight
  $ sdmodels audit --json | jq '.findings[] | select(.type == "duplicate")'
  $ sdmodels audit --report audit.html                       # one file to open in a browser; no network needed

Every file in the UI's model folders is inspected from its header, as \`inspect\` does. Reported, problems first:
dangerous pickles, files that are not models (error pages, empty files, cut-off downloads), misplaced files (and
where they belong), duplicates (same size, then SHA-256, with the space they waste), wrong extensions, suspicious
files, files the UI will not load, unknown files, and preview/info files whose model is gone.
--fix moves misplaced files to their folder and renames wrong extensions; dangerous files, non-models and extra
duplicate copies go to <webui>/.sdmodels/quarantine/<id>/ (never deleted). Suspicious files (not provably safe, no
sign of code) stay where they are unless --quarantine-suspicious moves them there too. Journaled like any install.

Exit codes: 0 audited (findings are not errors), 1 usage error (or no WebUI found), 2 the fix failed or left a
conflict, 3 a dangerous file is still in a model folder, 130/143 the fix was stopped by SIGINT/SIGTERM.
`;

/**
 * `sdmodels audit` as the command line sees it: options and help. What it does lives in commands/audit.ts, loaded
 * only when the command runs.
 */
export function registerAudit(program: Command, context: CliContext): void {
  program
    .command("audit")
    .description(
      "inspect every file in a WebUI's model folders and report what is misplaced, dangerous, broken or duplicated; " +
        "--fix heals it",
    )
    .option("--webui <dir>", "WebUI root (default: $SDMODELS_WEBUI, else the current folder if it is a WebUI)")
    .addOption(new Option("--ui <name>", "force the WebUI type instead of detecting it").choices(UI_NAMES))
    .option(
      "--fix",
      "move misplaced files, rename wrong extensions, quarantine dangerous files, non-models and extra duplicates",
    )
    .option(
      "--quarantine-suspicious",
      "with --fix: also quarantine suspicious files (pickles that need trusting, odd containers)",
    )
    .option("--dry-run", "with --fix: print the plan; touch nothing")
    .option(
      "--report <file.html>",
      "also write a self-contained HTML report (previews, filters by kind, base and verdict)",
    )
    .addOption(jobsOption())
    .addHelpText("after", EXAMPLES)
    .action(async (flags: AuditFlags, command: Command) => {
      const { runAudit } = await import("../commands/audit.js");
      context.exitCode = await runAudit(flags, globalOptions(command), context.io);
    });
}
