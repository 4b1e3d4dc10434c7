import type { FakeServers } from "../../fixtures/fake-servers.js";
import type { DownloadOptions } from "../../src/download/download-file.js";

/**
 * Options for downloading from the test's fake servers into a fresh folder: no tokens, retries a few milliseconds
 * apart (the backoff's shape is tested on its own; waiting seconds would only slow the suite).
 */
export function fakeServerDownload(
  dir: string,
  servers: FakeServers,
  extra: Partial<DownloadOptions> = {},
): DownloadOptions {
  return {
    dir,
    tokens: new Map(),
    retryBaseDelayMs: 5,
    baseUrls: { civitaiBaseUrl: servers.civitaiUrl, hfBaseUrl: servers.hfUrl },
    ...extra,
  };
}
