import { type CivitaiOptions, getCivitaiJson } from "./get-json.js";
import { type CivitaiModel, type CivitaiVersion, civitaiModelSchema, civitaiVersionSchema } from "./schemas.js";

export function getModelVersion(versionId: number, options: CivitaiOptions): Promise<CivitaiVersion> {
  return getCivitaiJson(`api/v1/model-versions/${versionId}`, civitaiVersionSchema, options);
}

export function getModel(modelId: number, options: CivitaiOptions): Promise<CivitaiModel> {
  return getCivitaiJson(`api/v1/models/${modelId}`, civitaiModelSchema, options);
}
