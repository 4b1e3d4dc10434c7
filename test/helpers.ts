import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, type TestContext } from "vitest";

/**
 * Call once at the top of a test file: returns a function that makes a fresh temp directory, and removes every
 * directory it made after each test.
 */
export function useTempDirs(prefix = "sdmodels-test-"): () => Promise<string> {
  const made = removedAfterEach();
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/**
 * Call once at the top of a test file: returns a function that writes `content` as `name` in a fresh temp directory
 * and returns its path; the directories are removed after each test.
 */
export function useTempFiles(prefix?: string): (name: string, content: string | Uint8Array) => Promise<string> {
  const tempDir = useTempDirs(prefix);
  return async (name, content) => {
    const path = join(await tempDir(), name);
    await writeFile(path, content);
    return path;
  };
}

/** A separate tmpfs on most Linux systems, while the temp dir is on the main disk. */
const OTHER_DEVICE_ROOT = "/dev/shm";

/**
 * Call once at the top of a test file: returns a function that makes a fresh directory on another filesystem than
 * the temp dir, so that a move from there into a temp dir is a copy (EXDEV), and removes every directory it made
 * after each test. Where there is no such filesystem, it skips the calling test, saying why.
 */
export function useOtherDeviceDirs(prefix = "sdmodels-xdev-"): (ctx: Pick<TestContext, "skip">) => Promise<string> {
  const made = removedAfterEach();
  return async (ctx) => {
    const here = (await stat(tmpdir())).dev;
    const there = await stat(OTHER_DEVICE_ROOT).then(
      (s) => s.dev,
      () => null,
    );
    if (there === null || there === here)
      ctx.skip(`${OTHER_DEVICE_ROOT} is missing or on the same device as ${tmpdir()}: cannot force a copy, skipped`);
    const dir = await mkdtemp(join(OTHER_DEVICE_ROOT, prefix));
    made.push(dir);
    return dir;
  };
}

/** A list to push directories to; each is removed, with what it holds, after every test of the calling file. */
function removedAfterEach(): string[] {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return made;
}
