import { inspectPath } from "./diffusers-folder.js";
import { servePoolRequests } from "./pool-worker.js";

/** Worker entry of `inspectEach`: the same `inspectPath` (same readers, same per-file limits) on a worker thread. */
servePoolRequests(inspectPath);
