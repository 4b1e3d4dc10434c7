import { basename, join } from "node:path";
import type { Classification } from "../classify/types.js";
import type { FileFormat } from "../inspect/types.js";
import { modelStem, splitName } from "./file-names.js";
import {
  BASE_FOLDERS,
  DIFFUSERS_FOLDERS,
  LAYOUTS,
  type LayoutFolder,
  PICKLE_EXTENSIONS,
  SAFETENSORS_EXTENSIONS,
} from "./layouts.js";
import type { InstallCandidate, ModelFacts, PlanOptions, PlanWarning, SkipReason, WebuiTarget } from "./types.js";
import { judgeLoad, type LoadJudgement } from "./will-load.js";

export type Route =
  | {
      ok: true;
      dir: string;
      name: string;
      extensionFixed: boolean;
      warnings: PlanWarning[];
      notLoaded: LoadJudgement | null;
    }
  | { ok: false; reason: SkipReason; warnings: PlanWarning[] };

/**
 * Everything about one candidate that does not depend on the filesystem: whether it may be installed at all, which
 * folder it goes to, and under which file name. Shared by the planner and by the snapshot, which must list exactly
 * the folders the planner will look at.
 */
export function routeCandidate(candidate: InstallCandidate, target: WebuiTarget, options: PlanOptions): Route {
  const warnings: PlanWarning[] = [];
  const skip = (reason: SkipReason): Route => ({ ok: false, reason, warnings });
  const { kind, base, architecture, loraFormat } = candidate.classification;
  const model: ModelFacts = { kind, base, architecture, ...(loraFormat === undefined ? {} : { loraFormat }) };
  if (candidate.placeAt !== undefined) {
    return {
      ok: true,
      dir: candidate.placeAt,
      name: basename(candidate.source),
      extensionFixed: false,
      warnings,
      notLoaded: null,
    };
  }

  if (candidate.error) return skip({ code: "unreadable", error: candidate.error.code });
  if (candidate.verdict === "dangerous") return skip({ code: "dangerous" });
  if (kind === "unknown") return skip({ code: "unknown-kind" });
  if (candidate.verdict === "suspicious") {
    if (options.strict) return skip({ code: "suspicious-strict" });
    warnings.push({ type: "suspicious" });
  }

  if (candidate.format === "diffusers") {
    const diffusers = DIFFUSERS_FOLDERS[target.ui];
    if (!diffusers) return skip({ code: "diffusers-not-loaded", ui: target.ui });
    // A pipeline folder keeps its name: its components find each other through it.
    return {
      ok: true,
      dir: folderPath(diffusers, target)!,
      name: basename(candidate.source),
      extensionFixed: false,
      warnings,
      notLoaded: null,
    };
  }
  const load = judgeLoad(candidate.classification, candidate.format, target.ui);
  const notLoaded = load.loads ? null : load;
  if (notLoaded !== null) {
    // A LoRA no UI can apply is never installed as if it were one; anything else only with `strict` stays put.
    if (notLoaded.code === "needs-conversion") return skip({ code: "needs-conversion", load: notLoaded, model });
    if (options.strict) return skip({ code: "will-not-load", load: notLoaded, model });
    warnings.push({ type: "will-not-load", load: notLoaded, model });
  }

  const noFolder = { code: "no-folder", ui: target.ui, kind, architecture } as const;
  const folder = layoutFolder(candidate.classification, target, options);
  if (!folder) return skip({ ...noFolder, rootFolder: null });
  const dir = folderPath(folder, target);
  if (!dir) return skip({ ...noFolder, rootFolder: { folder: folder.path, modelsFolder: target.root } });
  if (folder.warning) warnings.push({ type: "folder-note", note: folder.warning });
  // ComfyUI's own loaders skip `.gguf`; the city96 custom node lists them.
  if (candidate.format === "gguf" && target.ui === "comfyui") warnings.push({ type: "comfyui-gguf" });

  const naming = installName(basename(candidate.source), candidate.format, folder);
  if ("reason" in naming) return skip(naming.reason);
  if (naming.extensionFixed) {
    warnings.push({
      type: "extension-fixed",
      format: candidate.format,
      from: basename(candidate.source),
      to: naming.name,
    });
  }

  const baseDir = options.byBase && folder.baseSpecific ? join(dir, BASE_FOLDERS[candidate.classification.base]) : dir;
  return { ok: true, dir: baseDir, name: naming.name, extensionFixed: naming.extensionFixed, warnings, notLoaded };
}

function layoutFolder(c: Classification, target: WebuiTarget, options: PlanOptions): LayoutFolder | null {
  if (c.kind === "unknown") return null;
  const layout = LAYOUTS[target.ui][c.kind];
  const isLycoris = c.kind === "lora" && c.algorithm !== null && c.algorithm !== "lora";
  if (options.lycorisDir && isLycoris && layout.lycoris) return layout.lycoris;
  if (c.architecture && layout.byArchitecture && c.architecture in layout.byArchitecture) {
    return layout.byArchitecture[c.architecture] ?? null;
  }
  return layout.folder;
}

/** Where a layout folder is on disk for this target: where the UI's own settings put it, else the default. */
export function folderPath(folder: LayoutFolder, target: WebuiTarget): string | null {
  // A folder the UI's own settings move (a flag, a config key, an is_default YAML section) is where it loads from.
  const configured = folder.setting && target.folders[folder.setting.key];
  if (configured) return join(configured.path, folder.setting!.within ?? "");
  if (folder.under === "data") return target.dataDir && join(target.dataDir, folder.path);
  return join(target.modelsDir, folder.path);
}

/**
 * The loader-appropriate name. A1111 picks its loader by extension: safetensors content must be named `.safetensors`
 * (else it is torch.load-ed and fails), and pickle content named `.safetensors` would be handed to the safetensors
 * reader, so it is refused rather than renamed — a pickle disguised as safetensors is a red flag in itself.
 */
function installName(
  sourceName: string,
  format: FileFormat,
  folder: LayoutFolder,
): { name: string; extensionFixed: boolean } | { reason: SkipReason } {
  const ext = splitName(sourceName).ext.toLowerCase();
  const accepted = (e: string) => folder.extensions.includes(e);
  const renamed = (newExt: string) => ({ name: modelStem(sourceName) + newExt, extensionFixed: true });
  const notLoaded = (content: "safetensors" | "gguf" | "pickle"): { reason: SkipReason } => ({
    reason: { code: "extension-not-loaded", content, folder: folder.path, extensions: [...folder.extensions] },
  });

  if (format === "safetensors") {
    if (SAFETENSORS_EXTENSIONS.includes(ext) && accepted(ext)) return { name: sourceName, extensionFixed: false };
    return accepted(".safetensors") ? renamed(".safetensors") : notLoaded("safetensors");
  }
  if (format === "gguf") {
    // GGUF loaders pick files by the .gguf extension; it is never given a torch or safetensors name.
    if (ext === ".gguf" && accepted(ext)) return { name: sourceName, extensionFixed: false };
    return accepted(".gguf") ? renamed(".gguf") : notLoaded("gguf");
  }
  if (format === "unknown") {
    return { reason: { code: "unsupported-format", format: "unknown" } };
  }
  if (SAFETENSORS_EXTENSIONS.includes(ext)) {
    return { reason: { code: "misnamed-pickle", extension: ext } };
  }
  if (PICKLE_EXTENSIONS.includes(ext) && accepted(ext)) return { name: sourceName, extensionFixed: false };
  const pickleExt = folder.extensions.find((e) => PICKLE_EXTENSIONS.includes(e));
  return pickleExt ? renamed(pickleExt) : notLoaded("pickle");
}
