import { stat } from "node:fs/promises";
import { createFileHasher } from "./file-hasher.js";
import type { StatusLine } from "./progress.js";

/** A path given to `hash` is missing or not a file; nothing was hashed. */
export class HashArgumentError extends Error {
  readonly code = "hash-argument";
  override readonly name = "HashArgumentError";
}

/** One file's hashes, as `hash --json` lists them. */
export interface HashReport {
  path: string;
  size: number;
  sha256: string;
  autov2: string;
  autov1: string | null;
  autov3: string | null;
  cached: boolean;
}

/**
 * `hash`: SHA-256 and the AutoV1/V2/V3 short hashes of each file, through the hash cache unless `cache` is false.
 * Every path is checked before any is read: a typo in the last argument should not cost an hour of hashing first.
 */
export async function hashFiles(
  paths: readonly string[],
  settings: { env: NodeJS.ProcessEnv; cache: boolean; status: StatusLine },
): Promise<HashReport[]> {
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new HashArgumentError(`${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    if (!info.isFile()) throw new HashArgumentError(`${path}: not a file`);
  }
  const hasher = createFileHasher({ env: settings.env, useCache: settings.cache, status: settings.status });
  const reports: HashReport[] = [];
  for (const path of paths) {
    const h = await hasher.hash(path);
    reports.push({
      path,
      size: h.size,
      sha256: h.sha256,
      autov2: h.autov2,
      autov1: h.autov1,
      autov3: h.autov3,
      cached: h.cached,
    });
  }
  await hasher.save();
  return reports;
}
