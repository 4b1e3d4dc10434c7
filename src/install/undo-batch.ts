import { lstat, mkdir, rmdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { Journal, type JournalFileRecord } from "./journal.js";
import { placeFile } from "./place-file.js";
import type { UndoRefusal, UndoReport } from "./types.js";

/**
 * Reverts a batch (the newest one not yet fully undone, or `batchId`), last file first. Each installed file is put
 * back only if it is exactly as installed (same size and mtime) and its original path is free; otherwise it is left
 * where it is and reported. A model that cannot go back keeps its sidecars with it.
 */
export async function undoBatch(journalDir: string, batchId?: string): Promise<UndoReport> {
  const journal = await Journal.find(journalDir, batchId);
  const mode = journal.data.mode;
  const report: UndoReport = { batchId: journal.data.batchId, restored: [], refused: [] };

  for (const entry of [...journal.data.entries].reverse()) {
    if (entry.status !== "done") continue;
    const modelRefusal = await refusal(entry, mode);
    if (modelRefusal) {
      report.refused.push(modelRefusal);
      for (const s of entry.sidecars.filter((s) => s.status === "done")) {
        report.refused.push({ path: s.destination, reason: `kept with its model ${entry.destination}` });
      }
      continue;
    }
    const files: JournalFileRecord[] = [];
    for (const s of entry.sidecars.filter((s) => s.status === "done")) {
      const r = await refusal(s, mode);
      if (r) report.refused.push(r);
      else files.push(s);
    }
    files.push(entry);
    for (const file of files.reverse()) {
      try {
        report.restored.push(await restore(file, mode));
        file.status = "undone";
      } catch (error) {
        report.refused.push({ path: file.destination, reason: (error as Error).message });
      }
    }
    await journal.save();
  }

  for (const dir of [...journal.data.createdDirs].reverse()) await rmdir(dir).catch(() => undefined);
  const done = journal.data.entries.flatMap((e) => [e, ...e.sidecars]).filter((f) => f.status === "done");
  journal.data.state = done.length === 0 ? "undone" : "partially-undone";
  await journal.save();
  return report;
}

async function refusal(file: JournalFileRecord, mode: "move" | "copy"): Promise<UndoRefusal | null> {
  const installed = await lstat(file.destination).catch(() => null);
  if (!installed) return { path: file.destination, reason: "the installed file is gone" };
  if (!file.installed || installed.size !== file.installed.size || installed.mtimeMs !== file.installed.mtimeMs) {
    return { path: file.destination, reason: "changed since install (size or mtime differ); left in place" };
  }
  const original = await lstat(file.source).catch(() => null);
  if (original && !(mode === "copy" && isUnchangedOriginal(file, original))) {
    return { path: file.destination, reason: `the original path ${file.source} is occupied; left in place` };
  }
  return null;
}

/** A copy install kept its source; undo may drop the copy only while that source is still the file it copied. */
function isUnchangedOriginal(file: JournalFileRecord, original: { size: number; mtimeMs: number }): boolean {
  return original.size === file.size && original.mtimeMs === file.mtimeMs;
}

/**
 * Moves the file back with the same no-overwrite primitive as installing. For a copy install whose source is still
 * there, undo drops the copy; if the user removed the source since, the copy is moved back instead of deleted.
 */
async function restore(file: JournalFileRecord, mode: "move" | "copy"): Promise<{ from: string; to: string | null }> {
  if (mode === "copy" && (await exists(file.source))) {
    await unlink(file.destination);
    return { from: file.destination, to: null };
  }
  await mkdir(dirname(file.source), { recursive: true });
  await placeFile(file.destination, file.source, { keepSource: false });
  return { from: file.destination, to: file.source };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
