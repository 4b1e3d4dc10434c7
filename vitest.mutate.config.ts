import { defineConfig } from "vitest/config";

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the in-process ones. No global build: a mutant
 * lives only in Stryker's instrumented sources, so tests of compiled JavaScript (the CLI as a process, the demo,
 * the packed package, the crash test's child) could not see it; useBuiltCheckout() skips them, and the files made
 * only of such tests are left out.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/cli/program.test.ts", "test/demo/**", "test/install/crash-safety.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
