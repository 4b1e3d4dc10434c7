import { parentPort } from "node:worker_threads";
import { makeThumbnail } from "./thumbnail.js";
import type { ThumbnailRequest } from "./thumbnail-thread.js";

/**
 * Worker entry of the thumbnailer: decodes each preview it is sent and posts back the thumbnail or why not. The
 * decoders run here so a preview that keeps them busy can be stopped (the thread is terminated) without stopping
 * the report.
 */
const port = parentPort;
if (port === null) throw new Error("thumbnail-worker.js runs only as a worker thread");

port.on("message", ({ bytes, header }: ThumbnailRequest) => {
  port.postMessage(makeThumbnail(bytes, header));
});
