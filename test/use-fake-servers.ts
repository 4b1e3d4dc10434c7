import { afterEach, beforeEach } from "vitest";
import { type FakeServers, startFakeServers } from "../fixtures/fake-servers.js";

/**
 * Call once at the top of a test file: each test gets fresh fake Civitai, Hugging Face and storage servers (so
 * recorded requests and routes never leak between tests), closed after it. Returns the current test's servers.
 */
export function useFakeServers(): () => FakeServers {
  let servers: FakeServers | undefined;
  beforeEach(async () => {
    servers = await startFakeServers();
  });
  afterEach(async () => {
    await servers?.close();
    servers = undefined;
  });
  return () => {
    if (servers === undefined) throw new Error("useFakeServers: the servers exist only while a test runs");
    return servers;
  };
}
