import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface PackageInfo {
  name: string;
  version: string;
  description: string;
}

/** How far up from this module package.json may be: src/cli (tests) or dist/src/cli (the installed bin). */
const MAX_PARENT_LEVELS = 4;

/**
 * Reads the package's own package.json, found by walking up from this module, so `--version` and the
 * User-Agent always match what was published, whether running from `dist/` or from source.
 */
export function readPackageInfo(): PackageInfo {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level <= MAX_PARENT_LEVELS; level++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Partial<PackageInfo>;
      if (pkg.name === "sdmodels" && typeof pkg.version === "string") {
        return { name: pkg.name, version: pkg.version, description: pkg.description ?? "" };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    dir = dirname(dir);
  }
  throw new Error("package.json of sdmodels not found next to the installed code");
}
