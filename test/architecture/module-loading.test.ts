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
    for (const worker of ["src/app/inspect-file-worker.ts", "src/app/inspect-candidate-worker.ts"]) {
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

  it("inspect leaves the readers and the pickle interpreter to the workers that use them", () => {
    const { files } = loadedWith(REPO, "src/cli/commands/inspect.ts");
    // Opening a file without following links is shared with the folder walk; the readers are not.
    expect(files.filter((f) => /^src\/(read|pickle)\//.test(f) && f !== "src/read/open-regular-file.ts")).toEqual([]);
  });

  it("inspect, sort, install and audit load the HTML report's page builder and preview decoders only for --report", () => {
    for (const command of ["inspect", "sort", "install", "audit"].map((c) => `src/cli/commands/${c}.ts`)) {
      const { files } = loadedWith(REPO, command);
      expect(
        files.filter((f) => f.startsWith("src/cli/report/html/")),
        command,
      ).toEqual([]);
    }
  });

  it("sort, inspect and audit load neither the HTTP client nor the schema library unless a run needs them", () => {
    for (const command of ["sort", "inspect", "audit"].map((c) => `src/cli/commands/${c}.ts`)) {
      const { packages } = loadedWith(REPO, command);
      expect(
        packages.filter((p) => NETWORK_AND_SCHEMAS.includes(p)),
        command,
      ).toEqual([]);
    }
  });
});
