import { z } from "zod";

/*
 * Shapes from civitai/civitai-developer-docs site/reference/model-versions.md, validated loosely: every object keeps
 * fields we do not know (sidecars must round-trip them) and enum-like fields are plain strings, because Civitai adds
 * model types, base models and file types without notice ("Only the shape is guaranteed").
 */

export const civitaiFileSchema = z.looseObject({
  id: z.number().optional(),
  name: z.string(),
  type: z.string().optional(),
  sizeKB: z.number().optional(),
  primary: z.boolean().optional(),
  downloadUrl: z.string().optional(),
  hashes: z.record(z.string(), z.string()).optional(),
  metadata: z
    .looseObject({ format: z.string().nullish(), size: z.string().nullish(), fp: z.string().nullish() })
    .nullish(),
});

export const civitaiImageSchema = z.looseObject({
  url: z.string(),
  type: z.string().optional(),
});

export const civitaiVersionSchema = z.looseObject({
  id: z.number(),
  modelId: z.number(),
  name: z.string().optional(),
  baseModel: z.string().optional(),
  air: z.string().optional(),
  downloadUrl: z.string().optional(),
  model: z
    .looseObject({ name: z.string().optional(), type: z.string().optional(), mode: z.string().nullish() })
    .optional(),
  files: z.array(civitaiFileSchema).optional(),
  images: z.array(civitaiImageSchema).optional(),
});

export const civitaiModelSchema = z.looseObject({
  id: z.number(),
  name: z.string().optional(),
  type: z.string().optional(),
  modelVersions: z.array(z.looseObject({ id: z.number() })).optional(),
});

export type CivitaiFile = z.infer<typeof civitaiFileSchema>;
export type CivitaiVersion = z.infer<typeof civitaiVersionSchema>;
export type CivitaiModel = z.infer<typeof civitaiModelSchema>;
