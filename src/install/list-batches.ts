import { Journal, type JournalData } from "./journal.js";

/** One batch as `sdmodels undo --list` shows it. */
export interface BatchListing {
  batchId: string;
  createdAt: string;
  ui: string;
  state: JournalData["state"];
  mode: "move" | "copy";
  /** Model files in the batch (their sidecars not counted). */
  files: number;
}

/**
 * The batches recorded in `journalDir`, oldest first, so the one `sdmodels undo` reverts by default is at the end.
 * A folder that does not exist holds no batches; a journal that does not parse fails the listing (journal-invalid)
 * rather than being hidden, since undo could not revert it either.
 */
export async function listBatches(journalDir: string): Promise<BatchListing[]> {
  return (await Journal.list(journalDir)).map(({ data }) => ({
    batchId: data.batchId,
    createdAt: data.createdAt,
    ui: data.ui,
    state: data.state,
    mode: data.mode,
    files: data.entries.length,
  }));
}
