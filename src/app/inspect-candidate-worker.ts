import { inspectPath } from "../inspect/diffusers-folder.js";
import { servePoolRequests } from "../inspect/pool-worker.js";
import { classifiedInspection } from "./classified-inspection.js";

/**
 * Worker entry of `inspectCandidates`: inspects and classifies on the worker thread, so only what a candidate keeps
 * crosses to the main thread, never a file's tensor list.
 */
servePoolRequests(async (path) => classifiedInspection(await inspectPath(path)));
