import { readFile, rename, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHashCache, fileIdentity, hashFileCached } from "../../src/hash/hash-cache.js";
import { defaultHashCachePath } from "../../src/hash/state-dir.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

describe("hash cache", () => {
  it("returns stored hashes until the file's mtime changes, and persists across instances", async () => {
    const dir = await tempDir();
    const model = join(dir, "m.bin");
    const cacheFile = join(dir, "state", "hashes.json");
    await writeFile(model, "hello world");
    const cache = createHashCache(cacheFile);
    expect(await cache.get(model)).toBeNull();
    const first = await hashFileCached(model, cache);
    await cache.save();

    const reopened = createHashCache(cacheFile);
    expect(await reopened.get(model)).toEqual(first);

    // Same size, new content, new mtime: the entry must be stale, and hashing again sees the new bytes.
    await writeFile(model, "HELLO WORLD");
    const { mtime } = await stat(model);
    await utimes(model, mtime, new Date(mtime.getTime() + 5000));
    expect(await reopened.get(model)).toBeNull();
    const second = await hashFileCached(model, reopened);
    expect(second.sha256).not.toBe(first.sha256);
  });

  it("serves a hit without reading the file (a hit is recognised by identity, not content)", async () => {
    const dir = await tempDir();
    const model = join(dir, "m.bin");
    await writeFile(model, "hello world");
    const cache = createHashCache(join(dir, "hashes.json"));
    // Hashes stored for the file as it is now are served as stored: nothing reads the bytes to check them.
    const stored = { sha256: "0".repeat(64), autov2: "0000000000", autov1: null, autov3: null, size: 11 };
    await cache.set(model, await fileIdentity(model), stored);
    expect((await hashFileCached(model, cache)).sha256).toBe(stored.sha256);
  });

  it("misses when the file was rewritten in place and its mtime put back (the ctime moved)", async () => {
    const dir = await tempDir();
    const model = join(dir, "m.bin");
    await writeFile(model, "hello world");
    const cache = createHashCache(join(dir, "hashes.json"));
    const pinned = 1_700_000_000; // whole seconds survive utimes exactly
    await utimes(model, pinned, pinned);
    await hashFileCached(model, cache);
    // Same size, same inode, same mtime (`touch -r`, a sync tool preserving times): only the ctime tells.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(model, "HELLO WORLD");
    await utimes(model, pinned, pinned);
    expect((await hashFileCached(model, cache)).sha256).not.toBe(
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    );
  });

  it("misses when another file took the path, even with the same size and mtime (a new inode)", async () => {
    const dir = await tempDir();
    const model = join(dir, "m.bin");
    await writeFile(model, "hello world");
    const pinned = 1_700_000_000;
    await utimes(model, pinned, pinned);
    const cache = createHashCache(join(dir, "hashes.json"));
    await hashFileCached(model, cache);
    // A download tool writes the new file beside the old and renames it over: same size, mtime set from the server.
    await writeFile(join(dir, "m.bin.part"), "HELLO WORLD");
    await utimes(join(dir, "m.bin.part"), pinned, pinned);
    await rename(join(dir, "m.bin.part"), model);
    expect(await cache.get(model)).toBeNull();
    expect((await hashFileCached(model, cache)).sha256).not.toBe(
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    );
  });

  it("treats a corrupt cache file as empty and replaces it on save", async () => {
    const dir = await tempDir();
    const cacheFile = join(dir, "hashes.json");
    await writeFile(cacheFile, "{not json");
    const model = join(dir, "m.bin");
    await writeFile(model, "hello world");
    const cache = createHashCache(cacheFile);
    expect(await cache.get(model)).toBeNull();
    await hashFileCached(model, cache);
    await cache.save();
    const saved = JSON.parse(await readFile(cacheFile, "utf8"));
    expect(Object.keys(saved.entries)).toEqual([model]);
  });

  it("ignores a cache of another version, or whose entries do not have the expected shape", async () => {
    const dir = await tempDir();
    const model = join(dir, "m.bin");
    await writeFile(model, "hello world");
    const cacheFile = join(dir, "hashes.json");
    const cache = createHashCache(cacheFile);
    await hashFileCached(model, cache);
    await cache.save();
    const stored = JSON.parse(await readFile(cacheFile, "utf8"));
    expect(await createHashCache(cacheFile).get(model)).not.toBeNull();
    const [entry] = Object.values(stored.entries) as Record<string, unknown>[];
    for (const foreign of [
      { ...stored, version: 1 },
      { entries: stored.entries },
      { ...stored, entries: { [model]: { ...entry, ino: "1" } } },
      [stored],
    ]) {
      await writeFile(cacheFile, JSON.stringify(foreign));
      expect(await createHashCache(cacheFile).get(model)).toBeNull();
    }
  });

  it("locates the cache from SDMODELS_STATE_DIR, then XDG_STATE_HOME", () => {
    expect(defaultHashCachePath({ SDMODELS_STATE_DIR: "/s", XDG_STATE_HOME: "/x" })).toBe("/s/hashes.json");
    expect(defaultHashCachePath({ XDG_STATE_HOME: "/x" })).toBe("/x/sdmodels/hashes.json");
    expect(defaultHashCachePath({})).toMatch(/\.local\/state\/sdmodels\/hashes\.json$/);
  });
});
