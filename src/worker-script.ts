/**
 * The compiled worker script `name` beside the module at `moduleUrl`, or null when that module runs from its
 * TypeScript source (the test runner transpiles sources in memory, so no `.js` worker exists on disk): callers then
 * do the work on the calling thread, which gives the same results.
 */
export function compiledWorkerScript(moduleUrl: string, name: string): URL | null {
  return moduleUrl.endsWith(".js") ? new URL(name, moduleUrl) : null;
}
