import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadedWith } from "./import-graph.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Packages that cost a process memory and start-up for work a run may never do: the HTTP client and the schema
 * library (together ~25 MB of peak RSS), loaded only by the code that talks to Civitai or reads a journal or config.
 */
const NETWORK_AND_SCHEMAS = ["undici", "zod", "content-disposition"];

describe("what loads with each entry point (static imports; import() loads when its line runs)", () => {
  it("the inspection workers load the readers, the pickle interpreter and the classifier, and no package", () => {
    for (const worker of ["src/inspect/inspect-worker.ts", "src/app/inspect-candidate-worker.ts"]) {
      const { files, packages } = loadedWith(REPO, worker);
      expect(
        packages.filter((p) => !p.startsWith("node:")),
        worker,
      ).toEqual([]);
      expect(
        files.filter((f) => /^src\/(cli|install|download|civitai|hash)\//.test(f)),
        worker,
      ).toEqual([]);
    }
  });

  it("sort and inspect load neither the HTTP client nor the schema library unless a run needs them", () => {
    for (const command of ["src/cli/commands/sort.ts", "src/cli/commands/inspect.ts"]) {
      const { packages } = loadedWith(REPO, command);
      expect(
        packages.filter((p) => NETWORK_AND_SCHEMAS.includes(p)),
        command,
      ).toEqual([]);
    }
  });
});
