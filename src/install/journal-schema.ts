import { z } from "zod";

/*
 * The shape of a batch's journal, checked when one is read. Its own module so that zod (~12 MB of RSS, ~60 ms to
 * load) is loaded only by a run that reads a journal: `journal.ts` imports it on demand, and a dry run of `sort` or
 * `install` into a WebUI without a journal never pays for it. The types below are erased, the schema is not.
 */

const identity = z.object({
  dev: z.number(),
  ino: z.number(),
  size: z.number(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
});

const treeEntry = z.object({ path: z.string(), type: z.enum(["file", "dir"]), identity });

const fileRecord = z.object({
  source: z.string(),
  destination: z.string(),
  size: z.number(),
  sha256: z.string().nullable(),
  /**
   * Written ahead: `moving` is saved before a file is touched, `done` right after it reached the WebUI. `changed`:
   * the source was no longer the inspected file; `interrupted`: stopped by a signal, or found half-done by recovery.
   * `kept`: undo found it dangerous and left it where it is for good, so the batch can still become `undone`.
   */
  status: z.enum(["pending", "moving", "done", "failed", "changed", "interrupted", "undone", "kept"]),
  method: z.enum(["rename", "copy"]).nullable(),
  /** The source as it was moved (for the model: as inspected). A kept source is recognised by it. */
  sourceIdentity: identity.nullable(),
  /** A copy's temp file while it is being written, so recovery removes exactly it. */
  temp: z.object({ path: z.string(), dev: z.number(), ino: z.number() }).nullable(),
  /** The installed file right after installing (lstat): undo acts only on a file that still matches it. */
  installed: identity.nullable(),
  /** errno code of the failed removal of a copied source: the file is installed as a copy, the original stays. */
  sourceKept: z.string().nullable(),
  /**
   * A folder (diffusers pipeline): its tree as read before it moved, and for a copy the tree installed. A copy or a
   * kept source is removed only while it still is exactly that tree. Absent in journals written before folders
   * could be copied.
   */
  tree: z
    .object({ source: z.array(treeEntry), installed: z.array(treeEntry).nullable() })
    .nullable()
    .default(null),
});

export const journalSchema = z.object({
  /** Version 1 journals recorded no file identities: undo could not prove what it moves, so they are not read. */
  version: z.literal(2),
  batchId: z.string(),
  createdAt: z.string(),
  webuiRoot: z.string(),
  ui: z.string(),
  /** The process applying the batch: recovery treats an `applying` batch whose process is gone as interrupted. */
  pid: z.number(),
  host: z.string(),
  state: z.enum(["applying", "complete", "failed", "interrupted", "undone", "partially-undone"]),
  /** `move` or `copy` (source kept). */
  mode: z.enum(["move", "copy"]),
  /** The folders the sources came from: undo puts files back only into these. */
  sourceDirs: z.array(z.string()),
  /** Folders this batch created, parents first; undo removes them again when empty. */
  createdDirs: z.array(z.string()),
  entries: z.array(fileRecord.extend({ sidecars: z.array(fileRecord) })),
  /** Set when a later run found this batch `applying` with its process gone and recorded what had happened. */
  recoveredAt: z.string().nullable(),
});

export type JournalFileRecord = z.infer<typeof fileRecord>;
export type JournalEntry = z.infer<typeof journalSchema>["entries"][number];
export type JournalData = z.infer<typeof journalSchema>;
