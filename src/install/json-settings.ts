import { ARRAY_END, JsonSyntaxError, OBJECT_END, StrictJsonReader } from "../read/json-strict.js";
import { InstallError } from "./errors.js";

/** A top-level value of a settings file: strings and string lists are decoded, anything else is only noted. */
export type JsonSetting = { line: number } & (
  | { type: "string"; value: string }
  | { type: "strings"; value: string[] }
  | { type: "other" }
);

/**
 * Nesting a UI's settings file may use. SD.Next's `config.json` and Fooocus' `config.txt` are flat objects whose
 * values hold at most lists of lists (Fooocus' `default_loras`); 64 levels leave room and still bound the reader.
 */
const MAX_DEPTH = 64;

/**
 * The top-level keys of a JSON settings file with the line each key is on, read with the strict reader (as Python's
 * `json.load` and .NET's `System.Text.Json` read them, a duplicate key keeps its last value). A file that is not a
 * JSON object is an error naming the file and line: the UI cannot read it either, and would silently fall back to
 * defaults the user did not choose.
 */
export function readJsonSettings(text: string, file: string): Map<string, JsonSetting> {
  const settings = new Map<string, JsonSetting>();
  // An empty file holds no settings: SD.Next, Fooocus and Stability Matrix all start from their defaults then.
  if (text.trim() === "") return settings;
  const reader = new StrictJsonReader(text, MAX_DEPTH);
  try {
    reader.openObject();
    for (let first = true; reader.more(OBJECT_END, first); first = false) {
      const line = lineAt(text, reader.position);
      const key = reader.readKey();
      const type = reader.peekType();
      if (type === "string") {
        settings.set(key, { line, type: "string", value: reader.readString() });
      } else if (type === "array") {
        reader.openArray();
        const values: string[] = [];
        let onlyStrings = true;
        for (let f = true; reader.more(ARRAY_END, f); f = false) {
          if (reader.peekType() === "string") values.push(reader.readString());
          else {
            onlyStrings = false;
            reader.skipValue();
          }
        }
        settings.set(key, onlyStrings ? { line, type: "strings", value: values } : { line, type: "other" });
      } else {
        reader.skipValue();
        settings.set(key, { line, type: "other" });
      }
    }
    reader.finish();
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new InstallError(
      "webui-settings-invalid",
      `${file}:${lineAt(text, error.position)}: not valid JSON (${error.message})`,
    );
  }
  return settings;
}

/** 1-based line of character index `at`. */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
