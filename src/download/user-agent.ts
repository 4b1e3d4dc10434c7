import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * `sdmodels/<version>`. Never a browser-like string: Civitai answers browsers with login redirects and HTML error
 * pages instead of JSON errors (civitai/civitai src/server/utils/request-helpers.ts).
 */
let cached: string | undefined;

export function userAgent(): string {
  cached ??= readUserAgent();
  return cached;
}

function readUserAgent(): string {
  // From src/download (tsx/vitest) and from dist/src/download (built) alike; both reach the package root.
  for (const candidate of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === "sdmodels" && pkg.version) return `sdmodels/${pkg.version}`;
    } catch {
      // try the next layout
    }
  }
  return "sdmodels";
}
