/**
 * Longest JSON text of a value that is shared. Classifications and clean safety reports are a few hundred
 * characters; a report listing a dangerous file's findings is longer and as individual as the file, so it is kept
 * as it is rather than remembered under a key as large as itself.
 */
const MAX_SHARED_JSON_CHARS = 1024;

/**
 * Distinct values remembered. A real folder has a few dozen classifications (kind × base × format); past this many
 * the values are not repeating, and remembering more would cost what sharing saves.
 */
const MAX_SHARED_VALUES = 4096;

/**
 * One copy of each equal value among many files' results. Every result a worker sends is a fresh copy (structured
 * clone), so 100,000 LoRAs arrive as 100,000 equal classification objects, safety reports and `"safetensors"`
 * strings, each kept to the end of the run: about 0.4 kB per file. Shared values are frozen, so code that tried to
 * change one file's value in place (and with it every file's) fails at once instead.
 */
export class SharedValues {
  private readonly byJson = new Map<string, unknown>();
  private readonly strings = new Map<string, string>();

  /** The first value kept that is equal (as JSON) to `value`, or `value` itself, frozen, when it is the first. */
  value<T extends object>(value: T): Readonly<T> {
    const json = JSON.stringify(value);
    if (json.length > MAX_SHARED_JSON_CHARS) return value;
    const known = this.byJson.get(json);
    if (known !== undefined) return known as Readonly<T>;
    if (this.byJson.size < MAX_SHARED_VALUES) this.byJson.set(json, deepFreeze(value));
    return value;
  }

  /** The first equal string kept, or `text` itself: for a short word of a vocabulary (a format, a verdict). */
  string<T extends string>(text: T): T {
    const known = this.strings.get(text);
    if (known !== undefined) return known as T;
    if (text.length <= MAX_SHARED_JSON_CHARS && this.strings.size < MAX_SHARED_VALUES) this.strings.set(text, text);
    return text;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
