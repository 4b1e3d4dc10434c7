import { createHashCache, defaultHashCachePath, type FileHashes, hashFile, hashFileCached } from "../hash/index.js";
import { formatByteProgress, type StatusLine } from "./progress.js";

export interface HashedFile extends FileHashes {
  /** The hashes came from the cache: the file was not read. */
  cached: boolean;
}

export interface FileHasher {
  hash(path: string): Promise<HashedFile>;
  /** Writes the cache if anything was added; call once at the end of a command. */
  save(): Promise<void>;
}

/**
 * Hashing for every command that needs a SHA-256 (`hash`, duplicate detection, Civitai look-ups), through the hash
 * cache unless `useCache` is false, with byte progress on `status` while a file is actually read.
 */
export function createFileHasher(options: {
  env: NodeJS.ProcessEnv;
  useCache: boolean;
  status?: StatusLine;
}): FileHasher {
  const cache = options.useCache ? createHashCache(defaultHashCachePath(options.env)) : null;
  return {
    async hash(path) {
      const hit = cache ? await cache.get(path) : null;
      if (hit) return { ...hit, cached: true };
      const began = Date.now();
      const onProgress = (done: number, total: number) =>
        options.status?.update(`Hashing ${path} ${formatByteProgress({ done, total, elapsedMs: Date.now() - began })}`);
      const hashes = cache ? await hashFileCached(path, cache, { onProgress }) : await hashFile(path, { onProgress });
      return { ...hashes, cached: false };
    },
    async save() {
      await cache?.save();
    },
  };
}
