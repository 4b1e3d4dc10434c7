import { lstat } from "node:fs/promises";
import { inspectPathHere } from "../inspect/inspect-pool.js";
import { type FileIdentity, identityOf } from "../model/file-identity.js";
import { type ClassifiedInspection, classifiedInspection } from "./classified-inspection.js";

/** One file inspected and classified for `install`/`sort`/`audit`, with the file's identity as it was read. */
export interface IdentifiedInspection extends ClassifiedInspection {
  /** lstat of the path just before its first byte was read; null when it could not be taken. */
  identity: FileIdentity | null;
}

/**
 * Takes the file's identity, then inspects and classifies it: a file written to or replaced from then on no longer
 * matches, and is not installed. Taken here, on the thread that reads the file, rather than for every file before the
 * first is read: at 100,000 files that up-front pass held 100,000 lstat results and their buffers at once (the
 * walk and it took the main heap to ~140 MB before any file was inspected).
 */
export async function inspectCandidateFile(path: string): Promise<IdentifiedInspection> {
  const identity = await lstat(path).then(identityOf, () => null);
  return { ...classifiedInspection(await inspectPathHere(path)), identity };
}
