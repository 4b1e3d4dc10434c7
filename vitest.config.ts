import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { BuildLastSequencer } from "./test/setup/build-last-sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One tsc build for the whole run, for the tests that need compiled JavaScript; see test/setup/build-once.ts.
    globalSetup: ["test/setup/build-once.ts"],
    sequence: { sequencer: BuildLastSequencer },
    // Vitest's default is one worker per core but one; on two cores that is one worker, idle while its test waits
    // on a child process, a server or the build.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // CLI and download tests start child processes and servers; two cores are the norm here.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
