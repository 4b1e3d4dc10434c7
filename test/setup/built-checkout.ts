import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, beforeEach, inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where build-once.ts copies the checkout and builds it; see {@link useBuiltCheckout}. Unset without it. */
    builtCheckout?: string;
  }
}

/** Written by build-once.ts when tsc exits: its exit status and everything it printed. */
export const BUILD_STATUS_FILE = ".build-status.json";
/** Created by the first test file that needs the build; without it the run's teardown stops tsc instead of waiting. */
export const BUILD_WANTED_FILE = ".build-wanted";

export interface BuildStatus {
  code: number | null;
  output: string;
}

/** How often a test file waiting for the build looks for its status: the build takes tens of seconds. */
const POLL_MS = 250;

/**
 * For the test file that calls it: the checkout that build-once.ts copied from the working tree (tracked files plus
 * untracked ones that are not ignored, so no dist/) and built once for the whole run, with node_modules linked in.
 * That is a fresh clone right after `npm ci && npm run build`: bin/sdmodels.js runs, `npm pack` sees what the
 * `files` field picks. Test files share it, so none may write into it. A failed build fails every test file that
 * asked for it, with tsc's messages. In a run configured without the build (vitest.mutate.config.ts, whose mutants
 * exist only in Stryker's instrumented sources), the test files' tests are skipped, saying why.
 */
export function useBuiltCheckout(): () => string {
  const root = inject("builtCheckout");
  if (root === undefined) {
    beforeEach((context) => context.skip("this run has no build of the checkout (no build-once.ts global setup)"));
    return () => {
      throw new Error("this run has no build of the checkout");
    };
  }
  beforeAll(async () => {
    await writeFile(join(root, BUILD_WANTED_FILE), "");
    for (;;) {
      const text = await readFile(join(root, BUILD_STATUS_FILE), "utf8").catch(() => null);
      if (text !== null) {
        const status = JSON.parse(text) as BuildStatus;
        if (status.code !== 0) throw new Error(`the test build failed (tsc exit ${status.code}):\n${status.output}`);
        return;
      }
      await sleep(POLL_MS);
    }
  }, 300_000);
  return () => root;
}
