import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { ChildResult } from "./child-run.js";
import { cliRunner, missingCommand } from "./cli.js";
import type { BenchContext } from "./context.js";
import { writeDownloadsFolder } from "./data/downloads-folder.js";
import { writeFakeA1111 } from "./data/fake-webui.js";
import { formatMs, formatRatio, met, type Row, skippedRow } from "./results.js";

/** The figure: a WebUI of 2,000 model files. */
const AUDIT_FILES = 2000;
/**
 * Files copied a second time into another folder: real libraries hold a few duplicates, and they are what audit
 * hashes (only same-size files are), so the second run shows what the hash cache saves.
 */
const DUPLICATED = 10;
/** audit does what sort --dry-run does (walk, inspect, plan) plus findings; it should cost about the same. */
const GOAL_RATIO_TO_SORT = 1.25;

/**
 * `audit` over an A1111 tree of 2,000 files (all in models/Stable-diffusion, so most are misplaced, plus duplicate
 * LoRAs in models/Lora), against `sort --dry-run` of the same folder into another WebUI, then audit again with the
 * hash cache warm.
 */
export async function benchAudit(context: BenchContext): Promise<Row[]> {
  const wallFigure = `audit, ${AUDIT_FILES} files + ${DUPLICATED} duplicates: wall`;
  const againFigure = "audit again (hash cache warm): wall";
  const missing = await missingCommand("audit");
  if (missing)
    return [
      skippedRow(wallFigure, missing, `≤ ${GOAL_RATIO_TO_SORT}× sort --dry-run`),
      skippedRow(againFigure, missing, "< first audit"),
    ];

  const webui = await writeFakeA1111(join(context.workDir, "webui-audit"));
  const checkpoints = join(webui, "models", "Stable-diffusion");
  await mkdir(checkpoints, { recursive: true });
  context.log(`audit: writing ${AUDIT_FILES} sparse model files into ${checkpoints}`);
  const tree = await writeDownloadsFolder(checkpoints, AUDIT_FILES);
  const loras = join(webui, "models", "Lora");
  await mkdir(loras, { recursive: true });
  for (const file of tree.files.filter((f) => f.kind === "lora").slice(0, DUPLICATED))
    await copyFile(file.path, join(loras, `copy of ${basename(file.path)}`));
  const sortTarget = await writeFakeA1111(join(context.workDir, "webui-audit-sort"));

  const cli = await cliRunner();
  const state = await mkdtemp(join(context.workDir, "state-audit-"));
  const sortState = await mkdtemp(join(context.workDir, "state-audit-sort-"));
  try {
    const json = (result: ChildResult, what: string) => {
      try {
        JSON.parse(result.stdout);
      } catch {
        throw new Error(`${what} exited ${result.exitCode} without JSON: ${result.stderr.trim().split("\n")[0]}`);
      }
      return result;
    };
    context.log("audit: sort --dry-run, audit, audit again");
    const sort = json(
      await cli.run(["sort", checkpoints, "--webui", sortTarget, "--dry-run", "--json"], {
        SDMODELS_STATE_DIR: sortState,
      }),
      "sort",
    );
    const first = json(await cli.run(["audit", "--webui", webui, "--json"], { SDMODELS_STATE_DIR: state }), "audit");
    const again = json(await cli.run(["audit", "--webui", webui, "--json"], { SDMODELS_STATE_DIR: state }), "audit");
    const ratio = first.wallMs / sort.wallMs;
    return [
      {
        figure: wallFigure,
        value: formatMs(first.wallMs),
        baseline: `sort --dry-run of the same files ${formatMs(sort.wallMs)}`,
        ratio: formatRatio(ratio),
        goal: `≤ ${GOAL_RATIO_TO_SORT}× sort --dry-run`,
        met: met(ratio <= GOAL_RATIO_TO_SORT),
      },
      {
        figure: againFigure,
        value: formatMs(again.wallMs),
        baseline: `first audit ${formatMs(first.wallMs)}`,
        ratio: formatRatio(again.wallMs / first.wallMs),
        goal: "< first audit",
        met: met(again.wallMs < first.wallMs),
      },
    ];
  } finally {
    await rm(state, { recursive: true, force: true });
    await rm(sortState, { recursive: true, force: true });
    await rm(webui, { recursive: true, force: true });
  }
}
