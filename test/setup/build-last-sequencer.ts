import { readFileSync } from "node:fs";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** What a test file calls when it needs the run's build (see built-checkout.ts and test/cli/run-cli.ts). */
const NEEDS_BUILD = /\buse(BuiltCheckout|BuiltCli)\(\)/;

/**
 * Vitest's order (slowest files first, from the last run's timings), except that the test files that wait for the
 * build go last: started first, they would hold the workers idle while tsc compiles, instead of letting the unit
 * tests run beside it.
 */
export class BuildLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const needsBuild = (spec: TestSpecification) => NEEDS_BUILD.test(readFileSync(spec.moduleId, "utf8"));
    return [...sorted.filter((spec) => !needsBuild(spec)), ...sorted.filter(needsBuild)];
  }
}
