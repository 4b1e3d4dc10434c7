export { hashFile, FileChangedError, type FileHashes, type HashFileOptions } from "./hash-file.js";
export { HashThreadError } from "./sha256-thread.js";
export { createHashCache, hashFileCached, fileIdentity, type HashCache, type FileIdentity } from "./hash-cache.js";
export { stateDir, defaultHashCachePath } from "./state-dir.js";
