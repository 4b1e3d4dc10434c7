/**
 * Where `audit --fix` may quarantine. The quarantine lives under `<webui>/.sdmodels/`, a folder anyone who can write
 * the WebUI can also pre-create: as a file (every move then fails) or as a link into a model folder (the "quarantined"
 * code would land where the UI loads it). Checked before anything moves; nothing moves when it fails.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { isInside } from "./audit-findings.js";

/** Why the quarantine folder cannot be used, as a type: the CLI words it. */
export type QuarantineProblem =
  /** `path` (the quarantine folder or a folder above it) exists and is not a folder. */
  | { type: "not-a-folder"; path: string }
  /** Links lead the quarantine folder to `real`, in or below `modelFolder`, which the UI loads models from. */
  | { type: "inside-model-folder"; path: string; real: string; modelFolder: string };

export async function quarantineProblem(
  quarantineDir: string,
  modelFolders: readonly string[],
): Promise<QuarantineProblem | null> {
  let existing = quarantineDir;
  while ((await lstat(existing).catch(() => null)) === null && dirname(existing) !== existing)
    existing = dirname(existing);
  const info = await stat(existing).catch(() => null);
  if (!info?.isDirectory()) return { type: "not-a-folder", path: existing };
  const real = join(await realpath(existing), relative(existing, quarantineDir));
  for (const folder of modelFolders) {
    const realFolder = await realpath(folder).catch(() => folder);
    if (real === realFolder || isInside(real, realFolder))
      return { type: "inside-model-folder", path: quarantineDir, real, modelFolder: folder };
  }
  return null;
}
