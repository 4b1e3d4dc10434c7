import { defineConfig } from "vitest/config";

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the in-process ones. No global build: a mutant
 * lives only in Stryker's instrumented sources, so tests of compiled JavaScript (the CLI as a process, the demo,
 * the packed package, the crash test's child) could not see it; useBuiltCheckout() skips them, and the files made
 * only of such tests are left out.
 *
 * `MUTATE_TESTS` (comma-separated test files) narrows the set for one module's run: Stryker still runs only the
 * tests that cover each mutant, but its initial run and every mutant of module-level code (a constant, a schema), which
 * runs all of them, get much cheaper. Stryker's own `--testFiles` is no substitute: with it, mutants of module-level
 * code ran no test at all and were reported as survivors.
 */
export default defineConfig({
  test: {
    include: process.env.MUTATE_TESTS?.split(",") ?? ["test/**/*.test.ts"],
    exclude: ["test/cli/program.test.ts", "test/demo/**", "test/install/crash-safety.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
