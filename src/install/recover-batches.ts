import { lstat, rm, rmdir, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { identityOf } from "../model/file-identity.js";
import { readTree } from "./folder-tree.js";
import { Journal, type JournalFileRecord, journalOwnershipProblem } from "./journal.js";
import { STALE_TEMP_AGE_MS } from "./temp-files.js";
import type { RecoveredBatch } from "./types.js";

/** Journals this process is applying right now; any other `applying` batch with our pid was left by an earlier call. */
export const ACTIVE_JOURNALS = new Set<string>();

/**
 * Finds batches left `applying` by a process that died (SIGKILL, power loss, a crash) and records what really
 * happened: a file whose final name holds the inode that was moved, or the temp file that was copied, reached the
 * WebUI and becomes `done` (undoable); anything else is `interrupted` and its partial copy is removed. The batch is
 * then `interrupted`. Batches of live processes are left alone. Run before anything else writes into the WebUI.
 */
export async function recoverStaleBatches(journalDir: string, now = Date.now()): Promise<RecoveredBatch[]> {
  const recovered: RecoveredBatch[] = [];
  for (const journal of await Journal.list(journalDir, { skipUnreadable: true })) {
    if (journal.data.state !== "applying" || !(await isAbandoned(journal, now))) continue;
    // Recovery removes files too (partial copies, a second name of a moved inode): only from journals we wrote.
    if (await journalOwnershipProblem(journal.path)) continue;
    const batch: RecoveredBatch = {
      batchId: journal.data.batchId,
      pid: journal.data.pid,
      installed: [],
      tempsRemoved: [],
    };
    for (const file of journal.data.entries.flatMap((e) => [e, ...e.sidecars])) {
      if (file.status !== "moving") continue;
      if (await recoverFile(file)) batch.installed.push(file.destination);
      if (file.temp && (await removeTemp(file.temp))) batch.tempsRemoved.push(file.temp.path);
      file.temp = null;
    }
    journal.data.state = "interrupted";
    journal.data.recoveredAt = new Date(now).toISOString();
    await journal.save();
    recovered.push(batch);
  }
  return recovered;
}

/** Decides one in-flight file from what is on disk; true when it reached the WebUI. */
async function recoverFile(file: JournalFileRecord): Promise<boolean> {
  const installed = await lstat(file.destination).catch(() => null);
  const sameInode = (id: { dev: number; ino: number } | null) =>
    installed !== null && id !== null && installed.dev === id.dev && installed.ino === id.ino;
  if (installed && sameInode(file.sourceIdentity)) {
    // Killed between link() and unlink(): two names for the moved inode. Dropping the old name loses nothing.
    const source = await lstat(file.source).catch(() => null);
    if (source && source.dev === installed.dev && source.ino === installed.ino)
      await unlink(file.source).catch(() => undefined);
    file.method = "rename";
  } else if (installed && sameInode(file.temp)) {
    // The complete copy was committed; its source may still be there, and stays (undo then drops the copy).
    file.method = "copy";
    if (file.tree) file.tree.installed = await readTree(file.destination).catch(() => null);
    if (
      await lstat(file.source).then(
        () => true,
        () => false,
      )
    )
      file.sourceKept = "interrupted";
  } else {
    file.status = "interrupted";
    // A folder's final name is reserved by an empty folder just before the rename into it: one killed in between
    // left it. rmdir removes only an empty folder, so nothing anybody put there is lost.
    if (file.tree) await rmdir(file.destination).catch(() => undefined);
    return false;
  }
  file.installed = identityOf(await lstat(file.destination));
  file.status = "done";
  return true;
}

async function removeTemp(temp: { path: string; dev: number; ino: number }): Promise<boolean> {
  const info = await lstat(temp.path).catch(() => null);
  if (!info || info.dev !== temp.dev || info.ino !== temp.ino) return false;
  // A folder copy's temp folder holds only what this batch copied into it.
  return (info.isDirectory() ? rm(temp.path, { recursive: true }) : unlink(temp.path)).then(
    () => true,
    () => false,
  );
}

/**
 * The batch's process is gone: its pid is not running (on this host), or it is this process but not an active
 * call, or nothing (journal, temp files) has been written for {@link STALE_TEMP_AGE_MS} — a live copy writes every
 * few seconds, so a silent pid was reused by another program.
 */
async function isAbandoned(journal: Journal, now: number): Promise<boolean> {
  const { pid, host } = journal.data;
  if (host === hostname()) {
    if (pid === process.pid) return !ACTIVE_JOURNALS.has(journal.path);
    if (!isRunning(pid)) return true;
  }
  const temps = journal.data.entries.flatMap((e) => [e, ...e.sidecars]).flatMap((f) => (f.temp ? [f.temp.path] : []));
  const times = await Promise.all(
    [journal.path, ...temps].map((p) =>
      stat(p).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return now - Math.max(...times) >= STALE_TEMP_AGE_MS;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
