import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, readdir, readFile, rename } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { InstallError } from "./errors.js";
import type { WebuiTarget } from "./types.js";

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

/** Version 1 journals recorded no file identities: undo could not prove what it moves, so they are not read. */
const JOURNAL_VERSION = 2;

const journalSchema = z.object({
  version: z.literal(JOURNAL_VERSION),
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

async function journalNames(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
}

export function defaultJournalDir(target: WebuiTarget): string {
  return join(target.root, ".sdmodels", "journal");
}

/**
 * Why the journal file at `path` (or its folder) may have been written by someone else, or null: a link, another
 * user's, or writable by group or others. Windows has no owner uid or group/other bits (its mode is always 0o666 or
 * 0o444), so there only links count.
 */
export async function journalOwnershipProblem(path: string): Promise<string | null> {
  for (const p of [path, dirname(path)]) {
    const info = await lstat(p);
    if (info.isSymbolicLink()) return `${p} is a symbolic link`;
    if (process.platform === "win32") continue;
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) return `${p} belongs to user ${info.uid}, not to you`;
    if ((info.mode & 0o022) !== 0) return `${p} is writable by others (mode ${(info.mode & 0o777).toString(8)})`;
  }
  return null;
}

/**
 * One batch's record on disk. Written before the first move and after every step, each time to a temp file that is
 * fsynced and renamed over the journal, so a crash leaves the previous complete version, never a torn one.
 */
/** A batch id: sorts by time, unique within the millisecond. */
export function newBatchId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`;
}

export class Journal {
  private constructor(
    readonly path: string,
    readonly data: JournalData,
  ) {}

  /** `batchId`: one made beforehand by {@link newBatchId}, when the caller names something after the batch. */
  static async create(
    dir: string,
    init: Omit<JournalData, "version" | "batchId" | "createdAt" | "state" | "pid" | "host" | "recoveredAt">,
    batchId: string = newBatchId(),
  ): Promise<Journal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    // A link planted in an unpacked WebUI would have batches written wherever it points.
    if (info.isSymbolicLink())
      throw new InstallError(
        "journal-invalid",
        `${dir} is a symbolic link; sdmodels keeps its journal only in a real folder`,
      );
    // Undo trusts only a journal folder nobody else can write to; one made group-writable by a umask of 002 is ours.
    if (info.uid === process.getuid?.() && (info.mode & 0o022) !== 0) await chmod(dir, info.mode & ~0o022);
    const createdAt = new Date().toISOString();
    const journal = new Journal(join(dir, `${batchId}.json`), {
      version: JOURNAL_VERSION,
      batchId,
      createdAt,
      pid: process.pid,
      host: hostname(),
      state: "applying",
      recoveredAt: null,
      ...init,
    });
    await journal.save();
    return journal;
  }

  static async read(path: string): Promise<Journal> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new InstallError("journal-invalid", `cannot read journal ${path}: ${(error as Error).message}`);
    }
    const parsed = journalSchema.safeParse(raw);
    if (!parsed.success)
      throw new InstallError(
        "journal-invalid",
        `journal ${path} has an unexpected shape (written by another sdmodels version?)`,
      );
    return new Journal(path, parsed.data);
  }

  /**
   * Every batch in `dir`, oldest first; none when the folder does not exist (nothing was ever installed). A journal
   * that does not parse fails the listing, unless `skipUnreadable` (recovery, which must not block an install on a
   * journal it could not act on anyway).
   */
  static async list(dir: string, { skipUnreadable = false } = {}): Promise<Journal[]> {
    const read = (n: string) =>
      Journal.read(join(dir, n)).catch((error: unknown) => (skipUnreadable ? null : Promise.reject(error)));
    const journals = (await Promise.all((await journalNames(dir)).map(read))).filter((j): j is Journal => j !== null);
    return journals.sort(
      (a, b) => a.data.createdAt.localeCompare(b.data.createdAt) || a.data.batchId.localeCompare(b.data.batchId),
    );
  }

  /** The batch with the given id, else the newest batch not yet fully undone. */
  static async find(dir: string, batchId?: string): Promise<Journal> {
    if (batchId !== undefined) {
      if (!(await journalNames(dir)).includes(`${batchId}.json`)) {
        throw new InstallError(
          "journal-not-found",
          `no batch ${batchId} in ${dir}; \`sdmodels undo --list\` shows the batches there`,
        );
      }
      return Journal.read(join(dir, `${batchId}.json`));
    }
    const journals = await Journal.list(dir);
    const last = journals.filter((j) => j.data.state !== "undone").at(-1);
    if (!last) {
      throw new InstallError(
        "journal-not-found",
        journals.length === 0
          ? `no batch to undo in ${dir}: nothing was installed into this WebUI with sdmodels ` +
              `(pass --webui for another one)`
          : `no batch to undo in ${dir}: all ${journals.length} ` +
              `batch${journals.length === 1 ? " is" : "es are"} undone already`,
      );
    }
    return last;
  }

  async save(): Promise<void> {
    const temp = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
    // Owner-only: undo refuses a journal that others could have written.
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(this.data, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
  }
}
