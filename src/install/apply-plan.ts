import { lstat, mkdir, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { InstallError } from "./errors.js";
import { Journal, type JournalEntry, type JournalFileRecord } from "./journal.js";
import { placeFile } from "./place-file.js";
import { sweepLeftoverTemps } from "./temp-files.js";
import type { AppliedEntry, ApplyFailure, ApplyProgress, ApplyReport, InstallPlan, MoveEntry } from "./types.js";

export interface ApplyOptions {
  /** Where the batch journal goes; {@link defaultJournalDir} gives `<webui>/.sdmodels/journal`. */
  journalDir: string;
  onProgress?: (event: ApplyProgress) => void;
}

/**
 * Carries out the plan's moves in order, journaling each step. A model and its sidecars are one group: if any of
 * them fails, the ones already placed are put back, so no sidecar is orphaned. The batch stops at the first failure;
 * what was installed before it stays installed and can be undone with {@link undoBatch}.
 *
 * A dry-run plan is returned as a report without touching the filesystem (no folders, no journal).
 */
export async function applyPlan(plan: InstallPlan, options: ApplyOptions): Promise<ApplyReport> {
  const moves = plan.entries.filter((e): e is MoveEntry => e.action === "move");
  const notAttempted = (e: MoveEntry): AppliedEntry => ({
    source: e.source,
    destination: e.destination,
    status: "not-attempted",
    method: null,
    sidecars: e.sidecars,
  });
  const report: ApplyReport = {
    batchId: null,
    journalPath: null,
    dryRun: plan.options.dryRun,
    entries: moves.map(notAttempted),
    failure: null,
    leftoverTemps: [],
  };
  if (plan.options.dryRun || moves.length === 0) return report;
  const conflicts = plan.entries.filter((e) => e.action === "conflict");
  if (conflicts.length > 0) {
    throw new InstallError(
      "PLAN_HAS_CONFLICTS",
      `${conflicts.length} file(s) conflict with different files at their destination: ${conflicts.map((c) => c.destination).join(", ")}`,
    );
  }

  const record = (source: string, destination: string, size: number, sha256: string | null): JournalFileRecord => ({
    source,
    destination,
    size,
    mtimeMs: null,
    sha256,
    status: "pending",
    method: null,
    installed: null,
  });
  const journal = await Journal.create(options.journalDir, {
    webuiRoot: plan.target.root,
    ui: plan.target.ui,
    mode: plan.options.copy ? "copy" : "move",
    createdDirs: [],
    entries: moves.map((m) => ({
      ...record(m.source, m.destination, m.size, m.sha256),
      sidecars: m.sidecars.map((s) => record(s.source, s.destination, 0, null)),
    })),
  });
  report.batchId = journal.data.batchId;
  report.journalPath = journal.path;

  const existingDirs = await filterAsync([...new Set(moves.map((m) => dirname(m.destination)))], isDir);
  report.leftoverTemps = await sweepLeftoverTemps(existingDirs);

  for (const [index, move] of moves.entries()) {
    const entry = journal.data.entries[index]!;
    options.onProgress?.({ type: "start", source: move.source, destination: move.destination, size: move.size, index, total: moves.length });
    try {
      await ensureDir(dirname(move.destination), journal);
      const method = await installGroup(move, entry, journal, plan.options.copy, options.onProgress);
      report.entries[index] = { ...notAttempted(move), status: "done", method };
      options.onProgress?.({ type: "done", source: move.source, destination: move.destination, method });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      entry.status = "failed";
      report.entries[index] = { ...notAttempted(move), status: "failed" };
      report.failure = describeFailure(move, err);
      break;
    }
  }
  journal.data.state = report.failure ? "failed" : "complete";
  await journal.save();
  return report;
}

/** Places the model and its sidecars; on failure puts back whatever of the group was already placed, then rethrows. */
async function installGroup(
  move: MoveEntry,
  entry: JournalEntry,
  journal: Journal,
  keepSource: boolean,
  onProgress: ApplyOptions["onProgress"],
): Promise<"rename" | "copy"> {
  const files: JournalFileRecord[] = [entry];
  for (const sidecar of entry.sidecars) {
    // A sidecar deleted since planning is simply gone; its model still installs. One that became a link or a special
    // file since it was checked stays too (lstat: a link is never followed).
    const info = await lstat(sidecar.source).catch(() => null);
    if (info?.isFile()) files.push(Object.assign(sidecar, { size: info.size, mtimeMs: info.mtimeMs }));
  }
  const model = await stat(move.source);
  if (model.size !== move.size) {
    throw Object.assign(new Error(`${move.source} changed since planning (${move.size} → ${model.size} bytes)`), {
      code: "ESOURCECHANGED",
    });
  }
  entry.mtimeMs = model.mtimeMs;
  for (const file of files) file.status = "moving";
  await journal.save();

  const placed: JournalFileRecord[] = [];
  try {
    for (const file of files) {
      const onBytes =
        file === entry && onProgress
          ? (copied: number, size: number) => onProgress({ type: "bytes", source: move.source, copied, size })
          : undefined;
      file.method = (await placeFile(file.source, file.destination, { keepSource, onBytes })).method;
      placed.push(file);
    }
  } catch (error) {
    await rollBack(placed);
    for (const file of files) file.status = "failed";
    throw error;
  }
  // Only now, with every file of the group complete at its destination, drop the sources of cross-device copies.
  for (const file of placed) {
    if (file.method === "copy" && !keepSource) await unlink(file.source);
    const installed = await stat(file.destination);
    file.installed = { size: installed.size, mtimeMs: installed.mtimeMs };
    file.status = "done";
  }
  await journal.save();
  return entry.method!;
}

async function rollBack(placed: readonly JournalFileRecord[]): Promise<void> {
  for (const file of [...placed].reverse()) {
    // A copy left its source in place: dropping the new copy restores the old state. A rename is renamed back.
    if (file.method === "copy") await unlink(file.destination).catch(() => undefined);
    else await placeFile(file.destination, file.source, { keepSource: false }).catch(() => undefined);
    file.method = null;
  }
}

/** mkdir -p, remembering which folders this batch created so undo can remove them again. */
async function ensureDir(dir: string, journal: Journal): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const created: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) created.unshift(d);
  journal.data.createdDirs.push(...created);
  await journal.save();
}

function describeFailure(move: MoveEntry, error: NodeJS.ErrnoException): ApplyFailure {
  const code = error instanceof InstallError ? error.code : (error.code ?? "EUNKNOWN");
  return {
    source: move.source,
    destination: move.destination,
    code,
    message: `cannot install ${move.source} → ${move.destination}: ${error.message.startsWith(code) ? "" : `${code}: `}${error.message}`,
  };
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function filterAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<T[]> {
  const keep = await Promise.all(items.map(test));
  return items.filter((_, i) => keep[i]);
}
