import { lstat, mkdir, realpath, rmdir } from "node:fs/promises";
import { dirname, isAbsolute } from "node:path";
import { hashFile } from "../hash/hash-file.js";
import { inspectFile } from "../inspect/inspect-file.js";
import { IDENTITY_CHANGE_WORDS, identityChange, identityOf } from "../model/file-identity.js";
import { InstallError } from "./errors.js";
import { readTree, removeCopy, treeChange } from "./folder-tree.js";
import { interruptingSignal } from "./interrupted.js";
import { isInsideWebui } from "./is-inside-webui.js";
import { defaultJournalDir, Journal, type JournalFileRecord, journalOwnershipProblem } from "./journal.js";
import { placeFile } from "./place-file.js";
import { recoverStaleBatches } from "./recover-batches.js";
import type { UndoRefusal, UndoReport, WebuiTarget } from "./types.js";

/**
 * Reverts a batch of `target` (the newest one not yet fully undone, or `batchId`), last file first, after
 * recovering batches a killed run left behind. It acts only on what it can prove: the journal is the current user's
 * and nobody else can write it, every path lies inside the WebUI or the batch's source folders, and every installed
 * file still is the file installed (identity, and SHA-256 where the batch recorded one). Otherwise the whole batch
 * is refused with one reason and nothing moves. A file whose installed copy is gone or whose original path is taken
 * is left and reported; a model that cannot go back keeps its sidecars with it. A model that inspects as dangerous
 * (what audit quarantines) is never put back inside the WebUI, where a UI would load it: it stays, reported as such.
 */
export async function undoBatch(
  target: WebuiTarget,
  batchId?: string,
  options: { signal?: AbortSignal } = {},
): Promise<UndoReport> {
  const journalDir = defaultJournalDir(target);
  const recovered = await recoverStaleBatches(journalDir);
  const journal = await Journal.find(journalDir, batchId);
  const report: UndoReport = { batchId: journal.data.batchId, recovered, restored: [], refused: [] };
  const distrust = await whyNotProven(journal, target);
  if (distrust)
    throw new InstallError(
      "journal-untrusted",
      `refusing to undo batch ${journal.data.batchId}: ${distrust}; nothing was moved`,
    );

  for (const entry of [...journal.data.entries].reverse()) {
    // SIGINT/SIGTERM: stop between files; a copy back in progress is abandoned and its temp removed.
    if (options.signal?.aborted) break;
    if (entry.status !== "done") continue;
    const modelRefusal = (await refusal(entry)) ?? (await dangerousRefusal(entry, target));
    if (modelRefusal) {
      report.refused.push(modelRefusal);
      const sidecars = entry.sidecars.filter((s) => s.status === "done");
      for (const s of sidecars) {
        report.refused.push({ code: "kept-with-model", path: s.destination, model: entry.destination });
      }
      // Never to be put back: settled, so the next undo reaches the batch before this one.
      if (modelRefusal.code === "dangerous") {
        for (const file of [entry, ...sidecars]) file.status = "kept";
        await journal.save();
      }
      continue;
    }
    const files: JournalFileRecord[] = [];
    for (const s of entry.sidecars.filter((s) => s.status === "done")) {
      const r = await refusal(s);
      if (r) report.refused.push(r);
      else files.push(s);
    }
    files.push(entry);
    for (const file of files.reverse()) {
      try {
        report.restored.push(await restore(file, options.signal));
        file.status = "undone";
      } catch (error) {
        if (options.signal?.aborted) break;
        const { code, message } = error as NodeJS.ErrnoException;
        report.refused.push({ code: "restore-failed", path: file.destination, errorCode: code ?? null, message });
      }
    }
    await journal.save();
  }

  for (const dir of [...journal.data.createdDirs].reverse()) await rmdir(dir).catch(() => undefined);
  // A file whose installed copy is gone (a quarantine the user emptied) can never go back: a batch with only such
  // files left is done with, or every later undo would pick it again and never reach the batch before it.
  const done = journal.data.entries.flatMap((e) => [e, ...e.sidecars]).filter((f) => f.status === "done");
  const left = await Promise.all(done.map((f) => exists(f.destination)));
  journal.data.state = left.includes(true) ? "partially-undone" : "undone";
  await journal.save();
  if (options.signal?.aborted) report.interrupted = interruptingSignal(options.signal);
  return report;
}

/** Why the journal cannot be trusted to say what to move where, or null. */
async function whyNotProven(journal: Journal, target: WebuiTarget): Promise<string | null> {
  const { data } = journal;
  if (data.state === "applying") return `it is still being applied by process ${data.pid}`;
  const ownership = await journalOwnershipProblem(journal.path);
  if (ownership) return ownership;
  // Real paths: the same WebUI may be named through a link one time and directly the next.
  const [recorded, current] = await Promise.all([data.webuiRoot, target.root].map((p) => realpath(p).catch(() => p)));
  if (recorded !== current) return `it was written for ${data.webuiRoot}, not this WebUI`;
  const sourceDirs = data.sourceDirs.filter((d) => isAbsolute(d));
  for (const dir of data.createdDirs) if (!isInsideWebui(dir, target)) return `folder ${dir} lies outside the WebUI`;
  for (const file of data.entries.flatMap((e) => [e, ...e.sidecars])) {
    if (!isInsideWebui(file.destination, target)) return `${file.destination} lies outside the WebUI`;
    if (!sourceDirs.includes(dirname(file.source)) && !isInsideWebui(file.source, target)) {
      return `${file.source} lies outside the folders the batch moved files from`;
    }
    if (file.status !== "done") continue;
    if (!file.installed) return `${file.destination} has no recorded identity`;
    const now = await lstat(file.destination).catch(() => null);
    if (!now) continue; // gone: nothing to move, reported per file
    const change = identityChange(file.installed, identityOf(now));
    if (change) return `${file.destination} is not the file installed: ${IDENTITY_CHANGE_WORDS[change]}`;
    if (file.sha256 && now.isFile() && (await hashFile(file.destination)).sha256 !== file.sha256) {
      return `${file.destination} is not the file installed: its SHA-256 differs`;
    }
  }
  return null;
}

/**
 * Refuses to put a dangerous file back inside the WebUI, whatever the batch: undo must not let code back into a folder
 * a UI loads. Judged on the file as it is now (header-only inspection), not on what the journal says.
 */
async function dangerousRefusal(file: JournalFileRecord, target: WebuiTarget): Promise<UndoRefusal | null> {
  if (!isInsideWebui(file.source, target)) return null;
  const { safety } = await inspectFile(file.destination);
  if (safety.verdict !== "dangerous") return null;
  return { code: "dangerous", path: file.destination, original: file.source };
}

async function refusal(file: JournalFileRecord): Promise<UndoRefusal | null> {
  if (!(await exists(file.destination))) return { code: "installed-gone", path: file.destination };
  const original = await lstat(file.source).catch(() => null);
  if (original && !(await isKeptSource(file, original))) {
    return { code: "original-occupied", path: file.destination, original: file.source };
  }
  return null;
}

/**
 * A copy (`--copy`, or a source that could not be removed) left its source in place: undo may drop the installed
 * copy only while that source still is the file it copied (for a folder: every file in it, and no other).
 */
async function isKeptSource(file: JournalFileRecord, original: Parameters<typeof identityOf>[0]): Promise<boolean> {
  if (file.method !== "copy" || file.sourceIdentity === null) return false;
  if (file.tree) {
    const now = await readTree(file.source).catch(() => null);
    return now !== null && treeChange(file.tree.source, now) === null;
  }
  return identityChange(file.sourceIdentity, identityOf(original)) === null;
}

/**
 * Moves the file back with the same no-overwrite primitive as installing, and, where that had to copy (the source
 * folder is on another filesystem), removes the installed copy. For a copy whose source is still there, undo drops
 * the copy; if the user removed the source since, the copy is moved back instead of deleted. A model installed as a
 * link goes back as that link: `expected` proves it is the one installed.
 */
async function restore(
  file: JournalFileRecord,
  signal: AbortSignal | undefined,
): Promise<{ from: string; to: string | null }> {
  const original = await lstat(file.source).catch(() => null);
  if (original && (await isKeptSource(file, original))) {
    await removeCopy(file.destination, file.tree?.installed);
    return { from: file.destination, to: null };
  }
  await mkdir(dirname(file.source), { recursive: true });
  const { method, folder } = await placeFile(file.destination, file.source, {
    keepSource: false,
    expected: file.installed!,
    signal,
    carryLink: true,
  });
  // Copied back across filesystems: the WebUI's copy goes, a folder only while it still is what was just copied.
  if (method === "copy") await removeCopy(file.destination, folder?.source);
  return { from: file.destination, to: file.source };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
