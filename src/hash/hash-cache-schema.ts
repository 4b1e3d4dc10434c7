import { z } from "zod";

/**
 * The shape of the hash cache's entries, checked on load. Its own module so that zod is loaded only when a cache
 * file is read (hash-cache.ts imports it on demand): the types below are erased, the schema is not.
 */
const fileHashesSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  autov2: z.string(),
  autov1: z.string().nullable(),
  autov3: z.string().nullable(),
  size: z.number(),
});

const entrySchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  ino: z.number(),
  hashes: fileHashesSchema,
});

/** Cache entries keyed by absolute path. */
export const entriesSchema = z.record(z.string(), entrySchema);

export type CacheEntries = z.infer<typeof entriesSchema>;
