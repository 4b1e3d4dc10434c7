import { parentPort } from "node:worker_threads";
import { inspectPath } from "./diffusers-folder.js";
import type { InspectReply, InspectRequest } from "./inspect-pool.js";

/**
 * Worker entry of the inspection pool: inspects each path it is sent with the same `inspectPath` (same readers, same
 * per-file limits) and posts the result back, which is plain data (strings, numbers, arrays, plain objects) and so
 * crosses threads by structured clone unchanged. A throw is sent back as the file's error, to be rethrown where the
 * in-process path would have thrown it.
 */
const port = parentPort;
if (port === null) throw new Error("inspect-worker.js runs only as a worker thread");

port.on("message", async ({ index, path }: InspectRequest) => {
  let reply: InspectReply;
  try {
    reply = { kind: "inspected", index, inspection: await inspectPath(path) };
  } catch (error) {
    reply = { kind: "threw", index, error };
  }
  port.postMessage(reply);
});
