import type { Kind } from "../classify/types.js";
import { splitName } from "./file-names.js";
import type { NamesByPrefix } from "./names-by-prefix.js";
import { type SidecarContent, sidecarRule } from "./sidecar-policy.js";

export interface SidecarMatch {
  name: string;
  /** What it must contain to travel with the model. */
  content: SidecarContent;
}

/** Names in `folder` that are sidecars of the model file `modelName` of the given kind (see `SIDECAR_RULES`). */
export function findSidecars(modelName: string, kind: Kind, folder: NamesByPrefix): SidecarMatch[] {
  const { stem } = splitName(modelName);
  const found: SidecarMatch[] = [];
  for (const name of folder.startingWith(`${stem}.`)) {
    if (name === modelName) continue;
    const rule = sidecarRule(name.slice(stem.length), kind);
    if (rule) found.push({ name, content: rule.content });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The sidecar's name once its model is renamed from `oldModelName` to `newModelName`. */
export function renameSidecar(sidecarName: string, oldModelName: string, newModelName: string): string {
  return splitName(newModelName).stem + sidecarName.slice(splitName(oldModelName).stem.length);
}
