import { z } from "zod";
import { UI_NAMES } from "../install/types.js";

/*
 * The shape of `sdmodels config`'s file, checked when one is read. Its own module so that zod is loaded only by a
 * run that has a config file to check (`user-config.ts` imports it on demand); the type below is erased.
 */

/**
 * What `sdmodels config` remembers. Unknown keys are kept (a newer sdmodels may have written them) and an unknown
 * `ui` is an error rather than silently dropped.
 */
export const UserConfigSchema = z.looseObject({
  webui: z.string().optional(),
  ui: z.enum(UI_NAMES).optional(),
});
export type UserConfig = z.infer<typeof UserConfigSchema>;
