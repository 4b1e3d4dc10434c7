import { servePoolRequests } from "../inspect/pool-worker.js";
import { inspectCandidateFile } from "./inspect-candidate-file.js";

/**
 * Worker entry of `inspectCandidates`: inspects and classifies on the worker thread, so only what a candidate keeps
 * crosses to the main thread, never a file's tensor list.
 */
servePoolRequests(inspectCandidateFile);
