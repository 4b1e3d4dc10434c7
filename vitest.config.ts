import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One tsc build for the whole run, for the tests that need compiled JavaScript; see test/setup/build-once.ts.
    globalSetup: ["test/setup/build-once.ts"],
    // CLI and download tests start child processes and servers; two cores are the norm here.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
