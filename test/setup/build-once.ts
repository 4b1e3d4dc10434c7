import { execFileSync, spawn } from "node:child_process";
import { access, copyFile, mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { BUILD_STATUS_FILE, BUILD_WANTED_FILE, type BuildStatus } from "./built-checkout.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest global setup: the one build of the run. It copies the working tree as git sees it into a private directory
 * and starts tsc there without waiting, so unit tests run while it compiles; the test files that need compiled
 * JavaScript (the CLI as a child process, the demo, the packed package, a process killed mid-copy) wait for it with
 * useBuiltCheckout(). tsc's exit status is checked: a type error fails those test files and the run, so no test
 * ever runs stale or half-built JavaScript. A run that needs no build (one unit test file) stops tsc at the end
 * instead of waiting for it.
 */
export default async function buildOnce(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), "sdmodels-test-build-"));
  await copyCheckout(root);
  project.provide("builtCheckout", root);

  let output = "";
  const tsc = spawn(
    process.execPath,
    [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  tsc.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  tsc.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const built = new Promise<BuildStatus>((resolve) => {
    tsc.on("close", async (code) => {
      const status: BuildStatus = { code, output };
      // Written whole, then renamed: a waiting test file never reads half of it.
      await writeFile(join(root, `${BUILD_STATUS_FILE}.tmp`), JSON.stringify(status));
      await rename(join(root, `${BUILD_STATUS_FILE}.tmp`), join(root, BUILD_STATUS_FILE));
      resolve(status);
    });
  });

  return async () => {
    const wanted = await access(join(root, BUILD_WANTED_FILE)).then(
      () => true,
      () => false,
    );
    if (!wanted) tsc.kill();
    const status = await built;
    await rm(root, { recursive: true, force: true });
    if (wanted && status.code !== 0)
      throw new Error(`the test build failed (tsc exit ${status.code}):\n${status.output}`);
  };
}

/** Tracked files plus untracked ones that are not ignored (no dist/, no node_modules/), and node_modules linked in. */
async function copyCheckout(root: string): Promise<void> {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO,
    encoding: "utf8",
  });
  for (const path of listed.split("\0").filter((p) => p !== "")) {
    // A tracked file deleted in the working tree is not part of the checkout any more.
    const info = await stat(join(REPO, path)).catch(() => null);
    if (!info?.isFile()) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await copyFile(join(REPO, path), join(root, path));
  }
  await symlink(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
}
