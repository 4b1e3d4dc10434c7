import { isAbsolute, join, relative, resolve } from "node:path";
import { InstallError } from "./errors.js";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";

/**
 * SwarmUI's folder settings: section `Paths` of `Data/Settings.fds` (`src/Core/Settings.cs` `PathsData`). Every
 * folder is `;`-separated; `ModelRoot` is relative to SwarmUI's folder, each model folder relative to the model root,
 * and an absolute entry stands alone (`Utilities.CombinePathWithAbsolute`). Downloads go to model root number
 * `DownloadToRootID` and a type's first folder, which is where sdmodels installs.
 */
const SWARM_FOLDER_KEYS = [
  "SDModelFolder",
  "SDLoraFolder",
  "SDVAEFolder",
  "SDEmbeddingFolder",
  "SDControlNetsFolder",
  "SDClipFolder",
  "SDClipVisionFolder",
];

export function readSwarmSettings(text: string, file: string, root: string): FolderSettingsReading {
  const paths = parseFds(text, file).get("Paths");
  const reading = emptyReading();
  reading.evidence.push(`read ${relative(root, file)}`);
  if (paths?.kind !== "section") return reading;

  const entries = (key: string) => {
    const v = paths.entries.get(key);
    return v?.kind === "value"
      ? {
          parts: v.value
            .split(";")
            .map((p) => p.trim())
            .filter((p) => p !== ""),
          line: v.line,
        }
      : null;
  };
  const modelRoot = entries("ModelRoot");
  const rootId = paths.entries.get("DownloadToRootID");
  const index = rootId?.kind === "value" && /^\d+$/.test(rootId.value) ? Number(rootId.value) : 0;
  if (modelRoot && modelRoot.parts.length > 0) {
    const chosen = modelRoot.parts[Math.min(index, modelRoot.parts.length - 1)]!;
    reading.modelsDir = { name: "Paths.ModelRoot", path: combine(root, chosen), file, line: modelRoot.line };
  }
  const modelsDir = reading.modelsDir?.path ?? join(root, "Models");
  for (const key of SWARM_FOLDER_KEYS) {
    const folder = entries(key);
    if (folder && folder.parts.length > 0) {
      reading.folders[key] = {
        name: `Paths.${key}`,
        path: combine(modelsDir, folder.parts[0]!),
        file,
        line: folder.line,
      };
    }
  }
  return reading;
}

function combine(base: string, path: string): string {
  return isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) ? path : resolve(base, path);
}

type FdsNode =
  | { kind: "value"; value: string; line: number }
  | { kind: "section"; entries: Map<string, FdsNode>; line: number };

/**
 * FreneticDataSyntax as FreneticUtilities' `FDSParser` reads it: tabs count as four spaces, `#` starts a comment
 * line, `key: value` (or `key=` base64 binary, kept as text here) with the first `:` or `=` separating; a key with
 * nothing after the separator opens a section of the more-indented lines below, or a list of `-` lines. Keys and
 * values are unescaped with FDS' own sequential replacements (so `C:\new` really does hold a newline there, as in
 * SwarmUI). Lists are skipped: no folder setting is a list.
 */
function parseFds(text: string, file: string): Map<string, FdsNode> {
  const cleaned = (text.includes("\r\n") ? text.replaceAll("\r", "") : text.replaceAll("\r", "\n")).replaceAll(
    "\t",
    "    ",
  );
  const lines = cleaned.split("\n");
  const root = new Map<string, FdsNode>();
  const stack: { spaces: number; entries: Map<string, FdsNode> }[] = [{ spaces: 0, entries: root }];
  let opened: { entries: Map<string, FdsNode>; parentSpaces: number } | null = null;

  const fail = (index: number, reason: string): never => {
    throw new InstallError("webui-settings-invalid", `${file}:${index + 1}: ${reason}`);
  };

  for (let index = 0; index < lines.length; index++) {
    const full = lines[index]!;
    const trimmedStart = full.replace(/^ +/, "");
    if (trimmedStart === "") continue;
    const spaces = full.length - trimmedStart.length;
    const line = trimmedStart.replace(/ +$/, "");
    if (line.startsWith("#")) continue;

    if (opened) {
      if (spaces > opened.parentSpaces) stack.push({ spaces, entries: opened.entries });
      opened = null;
    }
    while (stack.length > 1 && spaces < stack[stack.length - 1]!.spaces) stack.pop();
    const level = stack[stack.length - 1]!;
    if (spaces > level.spaces) fail(index, "indentation grows without a section key");
    if ("-=>".includes(line[0]!)) {
      // A list item under the key opened just before; lists hold nothing sdmodels reads.
      continue;
    }
    const separator = line.search(/[:=]/);
    if (separator <= 0) fail(index, separator === 0 ? "empty key" : "line has no `key: value` separator");
    const key = fdsUnescapeKey(line.slice(0, separator));
    if (separator === line.length - 1) {
      const entries = new Map<string, FdsNode>();
      level.entries.set(key, { kind: "section", entries, line: index + 1 });
      opened = { entries, parentSpaces: spaces };
    } else {
      level.entries.set(key, {
        kind: "value",
        value: fdsUnescape(line.slice(separator + 1).replace(/^ +/, "")),
        line: index + 1,
      });
    }
  }
  return root;
}

/** `FDSUtility.UnEscape`: the same replacements in the same order. */
function fdsUnescape(text: string): string {
  return text
    .replaceAll("\\t", "\t")
    .replaceAll("\\n", "\n")
    .replaceAll("\\r", "\r")
    .replaceAll("\\x", "")
    .replaceAll("\\\\", "\\");
}

function fdsUnescapeKey(text: string): string {
  return fdsUnescape(text.replaceAll("\\d", ".").replaceAll("\\c", ":").replaceAll("\\e", "="));
}
