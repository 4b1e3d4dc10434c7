import type { Kind } from "../classify/types.js";
import { splitName } from "./file-names.js";

/**
 * Suffixes after `<stem>` of the files that describe a model (layouts: A1111 `ui_extra_networks.py` previews and
 * descriptions, A1111 user metadata `.json`, checkpoint `.yaml` config, Civitai Helper `.civitai.info` and
 * `.example.N.<ext>`, StabilityMatrix `.cm-info.json`, ComfyUI-Lora-Manager `.metadata.json`, SwarmUI `.swarm.json`).
 */
const SIDECAR_SUFFIX =
  /^\.(?:preview\.(?:png|jpe?g|webp|gif|mp4)|png|jpe?g|webp|gif|civitai\.info|json|cm-info\.json|metadata\.json|swarm\.json|txt|description\.txt|example\.\d+\.[a-z0-9]+)$/i;

/** A `<stem>.yaml` overrides A1111's config detection for that checkpoint only. */
const CHECKPOINT_CONFIG_SUFFIX = /^\.yaml$/i;

/** Names in `names` that are sidecars of the model file `modelName` of the given kind. */
export function findSidecars(modelName: string, kind: Kind, names: Iterable<string>): string[] {
  const { stem } = splitName(modelName);
  const found: string[] = [];
  for (const name of names) {
    if (name === modelName || !name.startsWith(`${stem}.`)) continue;
    const suffix = name.slice(stem.length);
    if (SIDECAR_SUFFIX.test(suffix) || (kind === "checkpoint" && CHECKPOINT_CONFIG_SUFFIX.test(suffix))) {
      found.push(name);
    }
  }
  return found.sort();
}

/** The sidecar's name once its model is renamed from `oldModelName` to `newModelName`. */
export function renameSidecar(sidecarName: string, oldModelName: string, newModelName: string): string {
  return splitName(newModelName).stem + sidecarName.slice(splitName(oldModelName).stem.length);
}
