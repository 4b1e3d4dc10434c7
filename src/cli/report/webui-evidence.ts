import { sep } from "node:path";
import type { DetectionEvidence, PortablePackage, WebuiEvidence } from "../../install/types.js";

/** The words for each portable package a UI sits inside. */
const PACKAGE_NAMES: Readonly<Record<PortablePackage, string>> = {
  "comfyui-portable": "ComfyUI portable package",
  "fooocus-portable": "Fooocus portable package",
  "stabilitymatrix-portable": "portable Stability Matrix",
};

const MODELS_FOLDER_STYLES: Readonly<Record<"a1111" | "comfyui", string>> = {
  a1111: "A1111-style models folder",
  comfyui: "ComfyUI-style models folder",
};

function detectionText(e: DetectionEvidence): string {
  switch (e.type) {
    case "markers":
      return `found ${e.markers.join(", ")} → ${e.ui}`;
    case "portable-package":
      return `found ${e.inner}/ and ${e.beside} → ${PACKAGE_NAMES[e.package]}`;
    case "models-folder":
      return `found ${e.folders.join("/, ")}/ → ${MODELS_FOLDER_STYLES[e.style]}`;
  }
}

/** The one place WebUI evidence becomes words: `--json`'s `webui.evidence` and the human report's first line. */
export function webuiEvidenceText(e: WebuiEvidence): string {
  switch (e.type) {
    case "current-folder":
      return `using ${e.above ? "a folder above the current one" : "the current folder"} ${e.dir}`;
    case "remembered-folder":
      return `using ${e.dir}, remembered in ${e.file}`;
    case "ui-given":
      return e.by === "flag" ? `--ui ${e.ui}` : `${e.ui}, remembered`;
    case "also-detected":
      return `(detected: ${detectionText(e.evidence)})`;
    case "create":
      return `--create: ${e.dir} is not a WebUI yet; its ${e.ui} folders are created as files arrive`;
    case "settings":
      return e.text;
    case "settings-warning":
      return `warning: ${e.text}`;
    default:
      return detectionText(e);
  }
}

/**
 * The evidence after `a1111 at ~/sd`: a marker set of that same UI needs no `found … → a1111` around it, and paths
 * under `home` are shortened to `~`.
 */
export function webuiEvidenceLine(evidence: readonly WebuiEvidence[], ui: string, home: string | null): string {
  return evidence
    .map((e) => (e.type === "markers" && e.ui === ui ? e.markers.join(", ") : webuiEvidenceText(e)))
    .map((e) => (home ? e.split(`${home}${sep}`).join(`~${sep}`) : e))
    .join("; ");
}
