/** The inspection step install, sort and audit share lives with the use cases. */
export { inspectCandidates, type InspectedCandidate } from "../app/inspect-candidates.js";
