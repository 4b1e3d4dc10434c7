import { inspectPath } from "../inspect/diffusers-folder.js";
import { servePoolRequests } from "../inspect/pool-worker.js";
import { inspectedFile } from "./inspected-file.js";

/**
 * Worker entry of `inspectEach`: inspects and classifies on the worker thread, so only what `inspect` reports crosses
 * to the main thread, never a file's tensor list.
 */
servePoolRequests(async (path) => inspectedFile(await inspectPath(path)));
