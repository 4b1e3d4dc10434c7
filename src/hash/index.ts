export { createHashCache, type FileIdentity, fileIdentity, type HashCache, hashFileCached } from "./hash-cache.js";
export { FileChangedError, type FileHashes, type HashFileOptions, hashFile } from "./hash-file.js";
export { HashThreadError } from "./sha256-thread.js";
export { defaultHashCachePath, stateDir } from "./state-dir.js";
