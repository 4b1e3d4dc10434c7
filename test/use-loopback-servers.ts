import type { Server } from "node:net";
import { afterEach } from "vitest";
import { type Loopback, listenOnLoopback } from "../fixtures/loopback.js";
import { type RogueResponder, type RogueServer, startRogueServer } from "../fixtures/rogue-server.js";

export interface LoopbackServers {
  /** Starts `server` (raw `node:net` or `node:http`) listening on 127.0.0.1. */
  listen(server: Server): Promise<Loopback>;
  /** A raw server that answers each request with the bytes `respond` writes (see startRogueServer). */
  rogue(respond: RogueResponder): Promise<RogueServer>;
}

/**
 * Call once at the top of a test file (or describe block): servers started through the returned functions during a
 * test are closed after it, their open connections cut, whether the test passed or not.
 */
export function useLoopbackServers(): LoopbackServers {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  const kept = <T extends { close(): Promise<void> }>(server: T): T => {
    started.push(server);
    return server;
  };
  return {
    listen: async (server) => kept(await listenOnLoopback(server)),
    rogue: async (respond) => kept(await startRogueServer(respond)),
  };
}
