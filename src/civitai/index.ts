export { type CivitaiOptions, getCivitaiJson } from "./get-json.js";
export { getModel, getModelVersion } from "./get-model-version.js";
export { lookupCivitaiByHash } from "./lookup-by-hash.js";
export {
  type CivitaiFile,
  type CivitaiModel,
  type CivitaiVersion,
  civitaiFileSchema,
  civitaiImageSchema,
  civitaiModelSchema,
  civitaiVersionSchema,
} from "./schemas.js";
export { type SidecarOptions, writeCivitaiSidecars } from "./write-sidecars.js";
