import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { InstallError } from "./errors.js";
import type { WebuiTarget } from "./types.js";

const fileRecord = z.object({
  source: z.string(),
  destination: z.string(),
  size: z.number(),
  /** Source mtime before the move. */
  mtimeMs: z.number().nullable(),
  sha256: z.string().nullable(),
  status: z.enum(["pending", "moving", "done", "failed", "undone"]),
  method: z.enum(["rename", "copy"]).nullable(),
  /** The installed file as it was right after installing: undo refuses when it differs. */
  installed: z.object({ size: z.number(), mtimeMs: z.number() }).nullable(),
});

const journalSchema = z.object({
  version: z.literal(1),
  batchId: z.string(),
  createdAt: z.string(),
  webuiRoot: z.string(),
  ui: z.string(),
  state: z.enum(["applying", "complete", "failed", "undone", "partially-undone"]),
  /** `move` or `copy` (source kept). */
  mode: z.enum(["move", "copy"]),
  /** Folders this batch created, parents first; undo removes them again when empty. */
  createdDirs: z.array(z.string()),
  entries: z.array(fileRecord.extend({ sidecars: z.array(fileRecord) })),
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
 * One batch's record on disk. Written before the first move and after every step, each time to a temp file that is
 * fsynced and renamed over the journal, so a crash leaves the previous complete version, never a torn one.
 */
export class Journal {
  private constructor(
    readonly path: string,
    readonly data: JournalData,
  ) {}

  static async create(dir: string, init: Omit<JournalData, "version" | "batchId" | "createdAt" | "state">): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    const createdAt = new Date().toISOString();
    const batchId = `${createdAt.replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`;
    const journal = new Journal(join(dir, `${batchId}.json`), {
      version: 1,
      batchId,
      createdAt,
      state: "applying",
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
      throw new InstallError("JOURNAL_INVALID", `cannot read journal ${path}: ${(error as Error).message}`);
    }
    const parsed = journalSchema.safeParse(raw);
    if (!parsed.success) throw new InstallError("JOURNAL_INVALID", `journal ${path} has an unexpected shape (written by another sdmodels version?)`);
    return new Journal(path, parsed.data);
  }

  /** Every batch in `dir`, oldest first; none when the folder does not exist (nothing was ever installed). */
  static async list(dir: string): Promise<Journal[]> {
    const journals = await Promise.all((await journalNames(dir)).map((n) => Journal.read(join(dir, n))));
    return journals.sort((a, b) => a.data.createdAt.localeCompare(b.data.createdAt) || a.data.batchId.localeCompare(b.data.batchId));
  }

  /** The batch with the given id, else the newest batch not yet fully undone. */
  static async find(dir: string, batchId?: string): Promise<Journal> {
    if (batchId !== undefined) {
      if (!(await journalNames(dir)).includes(`${batchId}.json`)) {
        throw new InstallError("JOURNAL_NOT_FOUND", `no batch ${batchId} in ${dir}; \`sdmodels undo --list\` shows the batches there`);
      }
      return Journal.read(join(dir, `${batchId}.json`));
    }
    const journals = await Journal.list(dir);
    const last = journals.filter((j) => j.data.state !== "undone").at(-1);
    if (!last) {
      throw new InstallError(
        "JOURNAL_NOT_FOUND",
        journals.length === 0
          ? `no batch to undo in ${dir}: nothing was installed into this WebUI with sdmodels (pass --webui for another one)`
          : `no batch to undo in ${dir}: all ${journals.length} batch${journals.length === 1 ? " is" : "es are"} undone already`,
      );
    }
    return last;
  }

  async save(): Promise<void> {
    const temp = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(this.data, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
  }
}
