// Mutation testing of the safety-critical modules: `npm run mutate`. Not part of `npm test` (minutes per module on
// two cores); run it after changing one of these files, or one file at a time: `npm run mutate -- --mutate <file>`.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: true },
  mutate: [
    // Placing a file, its journal and undoing it: a mutant that survives here could lose or overwrite a model.
    "src/install/place-file.ts",
    "src/install/journal.ts",
    "src/install/journal-schema.ts",
    "src/install/undo-batch.ts",
    // Which host a token is sent to, and how redirects may change it.
    "src/download/tokens.ts",
    "src/download/open-url.ts",
    // What the pickle scanner calls dangerous.
    "src/pickle/judge-global.ts",
    "src/pickle/global-policy.ts",
    // What a REDUCE or BUILD of a SAFE global may do: a survivor here lets a call or a state through.
    "src/pickle/call-rules.ts",
  ],
  coverageAnalysis: "perTest",
  // Two cores shared with other work; one test runner at a time.
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
