import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, readdir, readFile, rename } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { InstallError } from "./errors.js";
import type { JournalData } from "./journal-schema.js";
import type { WebuiTarget } from "./types.js";

export type { JournalData, JournalEntry, JournalFileRecord } from "./journal-schema.js";

/** The version this sdmodels writes: the one the schema accepts (its type says so), so the two cannot drift apart. */
const JOURNAL_VERSION: JournalData["version"] = 2;

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
    const { journalSchema } = await import("./journal-schema.js");
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
