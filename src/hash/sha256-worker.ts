import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import type { Sha256ThreadReply, Sha256ThreadRequest } from "./sha256-thread.js";

/**
 * Worker entry of {@link startSha256Thread}: one SHA-256 stream over byte ranges of the shared chunk buffers the
 * parent reads into. The buffers arrive in the first message, not at start, so the worker can boot before the file
 * it will hash is known. The bytes are never copied into this thread; each range is acknowledged once hashed, so the
 * parent may read the next chunk into that buffer.
 */
const port = parentPort;
if (port === null) throw new Error("sha256-worker.js runs only as a worker thread");
let slots: Buffer[] = [];
const hash = createHash("sha256");

port.on("message", (request: Sha256ThreadRequest) => {
  if (request.kind === "buffers") {
    slots = request.slots.map((shared) => Buffer.from(shared));
    return;
  }
  if (request.kind === "digest") {
    const reply: Sha256ThreadReply = { kind: "digest", hex: hash.digest("hex") };
    port.postMessage(reply);
    port.close();
    return;
  }
  const slot = slots[request.slot];
  if (slot === undefined) throw new RangeError(`no chunk buffer ${request.slot}`);
  hash.update(slot.subarray(request.start, request.end));
  const reply: Sha256ThreadReply = { kind: "hashed", slot: request.slot };
  port.postMessage(reply);
});
