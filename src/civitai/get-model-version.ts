import { civitaiModelSchema, civitaiVersionSchema, type CivitaiModel, type CivitaiVersion } from "./schemas.js";
import { getCivitaiJson, type CivitaiOptions } from "./get-json.js";

export function getModelVersion(versionId: number, options: CivitaiOptions): Promise<CivitaiVersion> {
  return getCivitaiJson(`api/v1/model-versions/${versionId}`, civitaiVersionSchema, options);
}

export function getModel(modelId: number, options: CivitaiOptions): Promise<CivitaiModel> {
  return getCivitaiJson(`api/v1/models/${modelId}`, civitaiModelSchema, options);
}
