import { execFileSync, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * For the test file that calls it: a copy of the working tree as git sees it (tracked files plus untracked ones that
 * are not ignored, so no dist/ and no node_modules/), built with tsc, with node_modules linked in for `npm ci`.
 * That is a fresh clone right after `npm ci && npm run build`, private to the test file, so npm pack sees exactly
 * what the `files` field picks from a real checkout and parallel test files never share a dist/. tsc's exit status
 * is not checked: it still emits when other files are mid-edit; type errors are `tsc --noEmit`'s job.
 */
export function useCheckoutCopy(): () => string {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sdmodels-checkout-"));
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" });
    for (const path of listed.split("\0").filter((p) => p !== "")) {
      // A tracked file deleted in the working tree is not part of the checkout any more.
      const info = await stat(join(REPO, path)).catch(() => null);
      if (!info?.isFile()) continue;
      await mkdir(dirname(join(root, path)), { recursive: true });
      await copyFile(join(REPO, path), join(root, path));
    }
    await symlink(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
    spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { cwd: root, stdio: "ignore" });
    await stat(join(root, "dist/src/cli/main.js")); // the build must at least have produced the CLI
  }, 180_000);
  afterAll(async () => {
    if (root !== "") await rm(root, { recursive: true, force: true });
  });
  return () => root;
}
