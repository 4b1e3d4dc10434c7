import { type BatchListing, defaultJournalDir, listBatches, recoverStaleBatches, undoBatch } from "../install/index.js";
import type { RecoveredBatch, UndoReport, WebuiTarget } from "../install/types.js";

/** `undo --list`: the batches journaled for this WebUI, and the folder their journals are in. */
export async function listInstallBatches(
  target: WebuiTarget,
): Promise<{ journalDir: string; batches: BatchListing[] }> {
  const journalDir = defaultJournalDir(target);
  return { journalDir, batches: await listBatches(journalDir) };
}

/**
 * `undo`: first settles batches a killed run left half-applied (told to `onRecovered` before undo goes on, since undo
 * may then refuse), then puts back the files of `batchId` (the latest batch when undefined). `interruptible` runs
 * the undo with the signal that stops it between files; without it, undo cannot be interrupted.
 */
export async function undoInstall(
  target: WebuiTarget,
  batchId: string | undefined,
  settings: {
    onRecovered: (recovered: RecoveredBatch[]) => void;
    interruptible?: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
  },
): Promise<UndoReport> {
  settings.onRecovered(await recoverStaleBatches(defaultJournalDir(target)));
  const undo = (signal: AbortSignal) => undoBatch(target, batchId, { signal });
  return settings.interruptible ? settings.interruptible(undo) : undo(new AbortController().signal);
}
