import type { Stats } from "node:fs";

/**
 * Which file a path named at one moment: the inode, its size and both timestamps. A file replaced under the same name
 * (new inode), rewritten in place (ctime moves even when mtime is set back) or touched (mtime) no longer matches.
 * Users cannot set ctime, so an unchanged identity means nobody wrote to or renamed over the file in between.
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function identityOf(stats: Pick<Stats, "dev" | "ino" | "size" | "mtimeMs" | "ctimeMs">): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

/** The first identity field that differs (`null`: the same file, unchanged). ctime only where `withCtime`. */
export function identityChange(
  expected: FileIdentity,
  actual: FileIdentity,
  withCtime = true,
): keyof FileIdentity | null {
  const fields: (keyof FileIdentity)[] = [
    "dev",
    "ino",
    "size",
    "mtimeMs",
    ...(withCtime ? (["ctimeMs"] as const) : []),
  ];
  return fields.find((f) => expected[f] !== actual[f]) ?? null;
}

/** Words for {@link identityChange}'s answer, for reports and refusals. */
export const IDENTITY_CHANGE_WORDS: Readonly<Record<keyof FileIdentity, string>> = {
  dev: "it is now on another device (replaced)",
  ino: "another file now has its name (replaced)",
  size: "its size changed",
  mtimeMs: "its modification time changed",
  ctimeMs: "it was written to or its metadata changed (ctime)",
};

/** Thrown when a file is not (or no longer) the one inspected or installed; the caller reports it as `changed`. */
export class FileChangedError extends Error {
  readonly code = "source-changed";
  constructor(
    readonly path: string,
    readonly field: keyof FileIdentity,
  ) {
    super(`${path} changed since it was inspected: ${IDENTITY_CHANGE_WORDS[field]}; not installed`);
    this.name = "FileChangedError";
  }
}
