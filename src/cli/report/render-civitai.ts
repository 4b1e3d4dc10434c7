import { basename } from "node:path";
import type { CivitaiMatch } from "../../app/civitai-lookup.js";
import type { Palette } from "../output/color.js";
import { terminalSafe } from "../output/terminal-text.js";

/**
 * One line per file, plus one per disagreement: `lora.safetensors  Civitai: Detail Tweaker v1.0 (LORA, SD 1.5) agrees`.
 */
export function renderCivitaiMatches(matches: readonly CivitaiMatch[], palette: Palette): string {
  let out = "";
  for (const m of matches) {
    const name = terminalSafe(basename(m.path));
    if (!m.found) {
      out += `${name}  Civitai: ${palette.dim("not found by SHA-256")}\n`;
      continue;
    }
    const what = terminalSafe(`${m.modelName ?? "?"} ${m.versionName ?? ""}`.trim());
    const verdict =
      m.disagreements.length === 0
        ? palette.green("agrees with the header")
        : palette.yellow("disagrees with the header");
    out +=
      `${name}  Civitai: ${what} ` +
      `(${terminalSafe(m.type ?? "?")}, ${terminalSafe(m.baseModel ?? "?")}) ${verdict}\n`;
    for (const d of m.disagreements) out += `  - ${terminalSafe(d)}\n`;
    for (const s of m.sidecars) out += `  wrote ${terminalSafe(s)}\n`;
  }
  return out;
}
