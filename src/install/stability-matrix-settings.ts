import { relative, resolve } from "node:path";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";
import { readJsonSettings } from "./json-settings.js";

/**
 * Stability Matrix keeps its shared model library in `<library>/Models`, one folder per `SharedFolderType`
 * (`StabilityMatrix.Core/Models/SharedFolderType.cs`), unless `ModelDirectoryOverride` in the library's
 * `settings.json` (`Models/Settings/Settings.cs`) points elsewhere.
 */
export function readStabilityMatrixSettings(text: string, file: string, library: string): FolderSettingsReading {
  const reading = emptyReading();
  reading.evidence.push(`read ${relative(library, file)}`);
  // .NET's reader accepts the byte-order mark some editors add; so does this one.
  const override = readJsonSettings(text.replace(/^\uFEFF/, ""), file).get("ModelDirectoryOverride");
  if (override?.type === "string" && override.value.trim() !== "") {
    reading.modelsDir = {
      name: "ModelDirectoryOverride",
      path: resolve(library, override.value),
      file,
      line: override.line,
    };
  }
  return reading;
}
