export { civitaiFileSchema, civitaiImageSchema, civitaiModelSchema, civitaiVersionSchema, type CivitaiFile, type CivitaiModel, type CivitaiVersion } from "./schemas.js";
export { getCivitaiJson, type CivitaiOptions } from "./get-json.js";
export { getModel, getModelVersion } from "./get-model-version.js";
export { lookupCivitaiByHash } from "./lookup-by-hash.js";
export { writeCivitaiSidecars, type SidecarOptions } from "./write-sidecars.js";
