import { parentPort } from "node:worker_threads";
import type { PoolReply, PoolRequest } from "./inspect-pool.js";

/**
 * The worker side of the pool (`runEach`): runs `run` on each path it is sent and posts the result back. Results are
 * plain data (strings, numbers, arrays, plain objects) and so cross threads by structured clone unchanged. A throw is
 * sent back as the file's error, to be rethrown where the in-process path would have thrown it.
 */
export function servePoolRequests<T>(run: (path: string) => Promise<T>): void {
  const port = parentPort;
  if (port === null) throw new Error("a pool worker script runs only as a worker thread");
  port.on("message", async ({ index, path }: PoolRequest) => {
    let reply: PoolReply<T>;
    try {
      reply = { kind: "done", index, result: await run(path) };
    } catch (error) {
      reply = { kind: "threw", index, error };
    }
    port.postMessage(reply);
  });
}
