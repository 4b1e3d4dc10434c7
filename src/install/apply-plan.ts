import { lstat, mkdir, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { FileChangedError, identityChange, identityOf } from "../model/file-identity.js";
import { specialFileType } from "../read/open-regular-file.js";
import { InstallError } from "./errors.js";
import { removeCopy, removeTree } from "./folder-tree.js";
import { interruptingSignal } from "./interrupted.js";
import { Journal, type JournalEntry, type JournalFileRecord } from "./journal.js";
import { placeFile } from "./place-file.js";
import { ACTIVE_JOURNALS, recoverStaleBatches } from "./recover-batches.js";
import type { SidecarLeft } from "./sidecar-policy.js";
import { sweepLeftoverTemps } from "./temp-files.js";
import type { AppliedEntry, ApplyFailure, ApplyProgress, ApplyReport, InstallPlan, MoveEntry } from "./types.js";

export interface ApplyOptions {
  /** Where the batch journal goes; {@link defaultJournalDir} gives `<webui>/.sdmodels/journal`. */
  journalDir: string;
  onProgress?: (event: ApplyProgress) => void;
  /**
   * Stops the batch (SIGINT/SIGTERM): a copy in progress is abandoned and its temp removed, a rename finishes, the
   * group is put back, and the batch is journaled `interrupted` with what was installed before it.
   */
  signal?: AbortSignal;
  /** The batch's id, made beforehand by `newBatchId` when the caller names something after it (audit's quarantine). */
  batchId?: string;
}

/**
 * Carries out the plan's moves in order, journaling ahead: each file is `moving` in the journal before it is
 * touched and `done` as soon as it reached the WebUI, so a killed run is recoverable ({@link recoverStaleBatches},
 * run first here) and every installed file is undoable whatever fails after it. A model and its sidecars are one
 * group: if any of them fails, the ones already placed are put back. A source that is no longer the file that was
 * inspected (replaced, written to, touched, or deleted) is not installed (`changed`) and the batch goes on: one file
 * the user removed meanwhile must not keep the rest of the batch (a dangerous file audit quarantines) where it is.
 * Any other failure stops the batch there.
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
    interrupted: null,
    recovered: [],
  };
  if (plan.options.dryRun || moves.length === 0) return report;
  const conflicts = plan.entries.filter((e) => e.action === "conflict");
  if (conflicts.length > 0) {
    throw new InstallError(
      "plan-has-conflicts",
      `${conflicts.length} file(s) conflict with different files at their destination: ` +
        `${conflicts.map((c) => c.destination).join(", ")}`,
    );
  }

  report.recovered = await recoverStaleBatches(options.journalDir);
  const record = (source: string, destination: string, size: number, sha256: string | null): JournalFileRecord => ({
    source,
    destination,
    size,
    sha256,
    status: "pending",
    method: null,
    sourceIdentity: null,
    temp: null,
    installed: null,
    sourceKept: null,
    tree: null,
  });
  const sources = moves.flatMap((m) => [m.source, ...m.sidecars.map((s) => s.source)]);
  const journal = await Journal.create(
    options.journalDir,
    {
      webuiRoot: plan.target.root,
      ui: plan.target.ui,
      mode: plan.options.copy ? "copy" : "move",
      sourceDirs: [...new Set(sources.map((s) => dirname(s)))],
      createdDirs: [],
      entries: moves.map((m) => ({
        ...record(m.source, m.destination, m.size, m.sha256),
        sidecars: m.sidecars.map((s) => record(s.source, s.destination, 0, null)),
      })),
    },
    options.batchId,
  );
  ACTIVE_JOURNALS.add(journal.path);
  try {
    report.batchId = journal.data.batchId;
    report.journalPath = journal.path;

    const existingDirs = await filterAsync([...new Set(moves.map((m) => dirname(m.destination)))], isDir);
    report.leftoverTemps = await sweepLeftoverTemps(existingDirs);

    for (const [index, move] of moves.entries()) {
      if (options.signal?.aborted) break;
      const entry = journal.data.entries[index]!;
      options.onProgress?.({
        type: "start",
        source: move.source,
        destination: move.destination,
        size: move.size,
        index,
        total: moves.length,
      });
      try {
        await ensureDir(dirname(move.destination), journal);
        const { method, sourcesKept, sidecarsLeft } = await installGroup(
          move,
          entry,
          journal,
          plan.options.copy,
          options,
        );
        report.entries[index] = {
          ...notAttempted(move),
          status: "done",
          method,
          sidecars: move.sidecars.filter((s) => !sidecarsLeft.some((l) => l.path === s.source)),
          ...(sourcesKept.length > 0 ? { sourcesKept } : {}),
          ...(sidecarsLeft.length > 0 ? { sidecarsLeft } : {}),
        };
        options.onProgress?.({ type: "done", source: move.source, destination: move.destination, method });
      } catch (error) {
        const status = options.signal?.aborted
          ? "interrupted"
          : isSourceGoneOrChanged(error, move.source)
            ? "changed"
            : "failed";
        entry.status = status;
        report.entries[index] = { ...notAttempted(move), status };
        await journal.save();
        if (status === "changed") continue;
        if (status === "failed") report.failure = describeFailure(move, error as NodeJS.ErrnoException);
        break;
      }
    }
    if (options.signal?.aborted) report.interrupted = interruptingSignal(options.signal);
    journal.data.state = report.interrupted ? "interrupted" : report.failure ? "failed" : "complete";
    await journal.save();
  } finally {
    ACTIVE_JOURNALS.delete(journal.path);
  }
  return report;
}

/** Places the model and its sidecars; on failure puts back whatever of the group was already placed, then rethrows. */
async function installGroup(
  move: MoveEntry,
  entry: JournalEntry,
  journal: Journal,
  keepSource: boolean,
  options: ApplyOptions,
): Promise<{ method: "rename" | "copy"; sourcesKept: { path: string; code: string }[]; sidecarsLeft: SidecarLeft[] }> {
  const model = identityOf(await lstat(move.source));
  const change = move.identity ? identityChange(move.identity, model) : model.size === move.size ? null : "size";
  if (change) throw new FileChangedError(move.source, change);
  entry.sourceIdentity = move.identity ?? model;
  const files: JournalFileRecord[] = [entry];
  const sidecarsLeft: SidecarLeft[] = [];
  for (const [i, sidecar] of entry.sidecars.entries()) {
    // A sidecar deleted since planning is simply gone; its model still installs. One that became a link or a special
    // file since it was checked, or another file now under its name (its content never checked), stays too,
    // reported, its journal record left `pending` (lstat: a link is never followed).
    const info = await lstat(sidecar.source).catch(() => null);
    if (!info) continue;
    const checked = move.sidecars[i]?.identity;
    const change = info.isFile() && checked ? identityChange(checked, identityOf(info)) : null;
    if (!info.isFile())
      sidecarsLeft.push({ path: sidecar.source, reason: { type: "not-a-file", found: specialFileType(info) } });
    else if (change) sidecarsLeft.push({ path: sidecar.source, reason: { type: "changed", field: change } });
    else files.push(Object.assign(sidecar, { size: info.size, sourceIdentity: identityOf(info) }));
  }
  for (const file of files) file.status = "moving";
  await journal.save();

  const placed: JournalFileRecord[] = [];
  try {
    for (const file of files) {
      const onBytes =
        file === entry && options.onProgress
          ? (copied: number, size: number) => options.onProgress!({ type: "bytes", source: move.source, copied, size })
          : undefined;
      const { method, folder } = await placeFile(file.source, file.destination, {
        keepSource,
        // The model the user named may be a link and moves as one; a sidecar never travels as a link.
        carryLink: file === entry,
        onBytes,
        expected: file.sourceIdentity!,
        signal: options.signal,
        onTemp: async (path, id) => {
          file.temp = { path, dev: id.dev, ino: id.ino };
          await journal.save();
        },
        onTree: async (tree) => {
          file.tree = { source: tree, installed: null };
          await journal.save();
        },
      });
      // In the WebUI now: journaled before anything else can fail.
      Object.assign(file, { method, temp: null, status: "done", installed: identityOf(await lstat(file.destination)) });
      if (folder) file.tree = { source: folder.source, installed: folder.installed };
      placed.push(file);
      await journal.save();
    }
  } catch (error) {
    for (const file of files) if (file.status === "moving") file.status = "failed";
    await rollBack(placed);
    await journal.save();
    throw error;
  }
  // Only now, with every file of the group complete at its destination, drop the sources of cross-device copies.
  const sourcesKept: { path: string; code: string }[] = [];
  if (!keepSource) {
    for (const file of placed.filter((f) => f.method === "copy")) {
      const code = await removeCopiedSource(file);
      if (code) sourcesKept.push({ path: file.source, code });
      file.sourceKept = code;
    }
    if (sourcesKept.length > 0) await journal.save();
  }
  return { method: entry.method!, sourcesKept, sidecarsLeft };
}

/**
 * Removes the source of a finished copy, if it still is the file that was copied. Returns null, or why it stays
 * (a read-only folder or filesystem: EROFS, EACCES, EPERM; `source-changed`): the file is then installed as a copy.
 */
async function removeCopiedSource(file: JournalFileRecord): Promise<string | null> {
  const now = await lstat(file.source).catch(() => null);
  if (!now) return null;
  if (file.tree) return removeTree(file.source, file.tree.source);
  if (identityChange(file.sourceIdentity!, identityOf(now))) return "source-changed";
  return unlink(file.source).then(
    () => null,
    (error: NodeJS.ErrnoException) => error.code ?? "unexpected",
  );
}

/** Puts back the files of a failed group; a file that cannot be put back stays journaled `done` (it is installed). */
async function rollBack(placed: readonly JournalFileRecord[]): Promise<void> {
  for (const file of [...placed].reverse()) {
    try {
      // A copy left its source in place: dropping the new copy restores the old state. A rename is renamed back.
      if (file.method === "copy") await removeCopy(file.destination, file.tree?.installed);
      else
        await placeFile(file.destination, file.source, {
          keepSource: false,
          expected: file.installed!,
          carryLink: true,
        });
      Object.assign(file, { status: "failed", method: null, installed: null });
    } catch {
      // Left as journaled: installed, undoable.
    }
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

/** The model's own source was replaced, written to or deleted since inspection; not a failure of the batch. */
function isSourceGoneOrChanged(error: unknown, source: string): boolean {
  if (error instanceof FileChangedError) return error.path === source;
  const { code, path } = error as NodeJS.ErrnoException;
  return code === "ENOENT" && path === source;
}

function describeFailure(move: MoveEntry, error: NodeJS.ErrnoException): ApplyFailure {
  const code = error instanceof InstallError ? error.code : (error.code ?? "unexpected");
  return { source: move.source, destination: move.destination, code, detail: error.message };
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function filterAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<T[]> {
  const keep = await Promise.all(items.map(test));
  return items.filter((_, i) => keep[i]);
}
