import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { CacheEntries } from "./hash-cache-schema.js";
import { type FileHashes, type HashFileOptions, hashFile } from "./hash-file.js";

/**
 * Hashes of files already seen, valid while a file keeps its path, size, mtime, ctime and inode. The mtime alone can
 * be put back (`touch -r`, a sync tool preserving times) after the bytes were rewritten in place; the ctime cannot
 * be set from user space, so a rewrite always invalidates the entry.
 */
export interface HashCache {
  readonly file: string;
  /** Cached hashes of `path` if the file is unchanged since they were stored. */
  get(path: string): Promise<FileHashes | null>;
  /** Remembers `hashes` for `path` as it was when `identity` was taken (take it before hashing). */
  set(path: string, identity: FileIdentity, hashes: FileHashes): Promise<void>;
  /** Writes the cache atomically if anything changed. */
  save(): Promise<void>;
}

export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** 2: entries carry the ctime; older caches (no ctime) are dropped and rebuilt. */
const CACHE_VERSION = 2;

/** What a cache entry is keyed on besides the absolute path. */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const s = await stat(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
}

async function load(file: string): Promise<CacheEntries> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {};
  }
  try {
    // A cache is only an accelerator: a corrupt or foreign file is treated as empty and replaced on save.
    const cache: unknown = JSON.parse(text);
    if (typeof cache !== "object" || cache === null || !("version" in cache) || cache.version !== CACHE_VERSION)
      return {};
    // zod takes ~60 ms to load: only a run that has a cache file to check pays it (a first run, a --no-cache run and
    // `hash --json` in a fresh state folder start that much sooner).
    const { entriesSchema } = await import("./hash-cache-schema.js");
    const parsed = entriesSchema.safeParse("entries" in cache ? cache.entries : undefined);
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function createHashCache(file: string): HashCache {
  let entries: Promise<CacheEntries> | undefined;
  let dirty = false;
  const loaded = () => (entries ??= load(file));

  return {
    file,
    async get(path) {
      const key = resolve(path);
      const entry = (await loaded())[key];
      if (!entry) return null;
      let now: FileIdentity;
      try {
        now = await fileIdentity(key);
      } catch {
        return null;
      }
      const same =
        entry.size === now.size &&
        entry.mtimeMs === now.mtimeMs &&
        entry.ctimeMs === now.ctimeMs &&
        entry.ino === now.ino;
      return same ? { ...entry.hashes } : null;
    },
    async set(path, identity, hashes) {
      (await loaded())[resolve(path)] = { ...identity, hashes: { ...hashes } };
      dirty = true;
    },
    async save() {
      const all = await loaded();
      if (!dirty) return;
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temp, JSON.stringify({ version: CACHE_VERSION, entries: all }), { mode: 0o600 });
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      dirty = false;
    },
  };
}

/** hashFile through a cache: a hit costs one stat, a miss hashes and stores (the caller saves the cache). */
export async function hashFileCached(
  path: string,
  cache: HashCache,
  options: HashFileOptions = {},
): Promise<FileHashes> {
  const hit = await cache.get(path);
  if (hit) return hit;
  const identity = await fileIdentity(path);
  const hashes = await hashFile(path, options);
  await cache.set(path, identity, hashes);
  return hashes;
}
