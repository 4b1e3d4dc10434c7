import { realpath, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { walkModelFiles } from "../inspect/walk.js";
import { isInsideAny, isInsideWebui, realWebuiRoots } from "../install/index.js";
import type { PlanOptions, WebuiTarget } from "../install/types.js";
import { type InstallOutcome, type PipelineSettings, runInstallPipeline } from "./install-pipeline.js";

/** Why a folder cannot be sorted; nothing was read or moved. The CLI reports both as usage errors. */
export type SortRefusalCode = "sort-not-a-folder" | "sort-inside-webui";

export class SortRefusedError extends Error {
  override readonly name = "SortRefusedError";

  constructor(
    readonly code: SortRefusalCode,
    readonly folder: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `sort`: every model file below `folder` through the install pipeline, each judged by its content. The folder must
 * be a folder and lie outside the WebUI, by its path and by its real path (a downloads folder can be a link into the
 * WebUI's models folder); that is checked before `target` is resolved, so a wrong folder is named first. A folder
 * that contains the WebUI is walked around it: sorting never re-sorts the library it fills.
 */
export async function sortFolder(
  folder: string,
  target: () => Promise<WebuiTarget>,
  options: Omit<PlanOptions, "sortedDir">,
  settings: PipelineSettings,
): Promise<InstallOutcome> {
  const source = resolve(folder);
  const isFolder = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new SortRefusedError("sort-not-a-folder", source, `${source} is not a folder`);
  const webui = await target();
  const realSource = await realpath(source);
  const realRoots = await realWebuiRoots(webui);
  if (isInsideWebui(source, webui) || isInsideAny(realSource, realRoots)) {
    throw new SortRefusedError(
      "sort-inside-webui",
      source,
      `${source} is inside the WebUI ${webui.root}; sort a folder outside it (e.g. your downloads)`,
    );
  }
  settings.status.update(`Walking ${source}…`);
  // Linked folders are never walked, so below the source a walked path and its real path differ only in the
  // source's own prefix.
  const paths = await walkModelFiles(source, {
    followDirLinks: false,
    skipDir: (dir) => isInsideWebui(dir, webui) || isInsideAny(join(realSource, relative(source, dir)), realRoots),
  });
  return runInstallPipeline(paths, webui, { ...options, sortedDir: source }, settings);
}
