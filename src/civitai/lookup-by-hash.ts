import { InvalidSourceError } from "../download/errors.js";
import { type CivitaiOptions, getCivitaiJson, isNotFound } from "./get-json.js";
import { type CivitaiVersion, civitaiVersionSchema } from "./schemas.js";

/**
 * The Civitai version a file belongs to, by any hash Civitai indexes (SHA-256 preferred; AutoV1/V2/V3, BLAKE3 and
 * CRC32 also work, case-insensitively). Null when Civitai does not know the hash (404).
 */
export async function lookupCivitaiByHash(hash: string, options: CivitaiOptions): Promise<CivitaiVersion | null> {
  if (!/^[0-9a-f]{8,64}$/i.test(hash)) throw new InvalidSourceError(`not a hash: ${hash}`);
  try {
    return await getCivitaiJson(`api/v1/model-versions/by-hash/${hash.toLowerCase()}`, civitaiVersionSchema, options);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
