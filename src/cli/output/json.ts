/**
 * Text handed to the stream per write: large enough that a 100,000-entry report is a few hundred writes, small
 * enough that the text waiting to be written stays a fixed amount of memory.
 */
const WRITE_CHARS = 64 * 1024;

/**
 * Levels of arrays and objects written member by member: the report's top level and its lists (`plan`, one entry per
 * file). Deeper values are small and are stringified whole.
 */
const STREAMED_DEPTH = 2;

/** JSON's own indent step, as `JSON.stringify(value, null, 2)` writes it. */
const INDENT = "  ";

/**
 * Writes `value` as the one JSON document of a run: `sdmodels … --json | jq -e .` always parses. Callers gather
 * every result first (a long list may be an iterator that makes its items as they are written) and call this once.
 * The text is exactly `JSON.stringify(value, null, 2)` and a newline, written
 * a piece at a time: the whole document as one string was the largest single allocation of a large `sort --json`
 * (~800 bytes a file, twice over while it is built).
 */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  let pending = "";
  const emit = (text: string) => {
    pending += text;
    if (pending.length >= WRITE_CHARS) {
      stream.write(pending);
      pending = "";
    }
  };
  emitValue(value, "", STREAMED_DEPTH, emit);
  stream.write(`${pending}\n`);
}

/** Writes `value` at `indent` as `JSON.stringify` with indent 2 would, or returns false for what it leaves out. */
function emitValue(value: unknown, indent: string, depth: number, emit: (text: string) => void): boolean {
  if (depth === 0 || value === null || typeof value !== "object" || "toJSON" in value) {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) return false;
    // A JSON text holds no raw line break outside its layout (strings escape them): re-indenting is exact.
    emit(text.replaceAll("\n", `\n${indent}`));
    return true;
  }
  const inner = indent + INDENT;
  if (Array.isArray(value) || isIterator(value)) {
    let items = 0;
    for (const item of value) {
      emit(`${items === 0 ? "[" : ","}\n${inner}`);
      if (!emitValue(item, inner, depth - 1, emit)) emit("null");
      items++;
    }
    emit(items === 0 ? "[]" : `\n${indent}]`);
    return true;
  }
  let members = 0;
  for (const [key, item] of Object.entries(value)) {
    // A member JSON leaves out (undefined, a function) writes nothing, not even its key.
    if (leftOut(item)) continue;
    emit(`${members === 0 ? "{" : ","}\n${inner}${JSON.stringify(key)}: `);
    emitValue(item, inner, depth - 1, emit);
    members++;
  }
  emit(members === 0 ? "{}" : `\n${indent}}`);
  return true;
}

/**
 * A generator or other iterator, written as the array of what it yields: a long list made one item at a time is
 * never held whole. (`JSON.stringify` would write `{}`; no report holds an iterator for any other reason.)
 */
function isIterator(value: object): value is IterableIterator<unknown> {
  return Symbol.iterator in value && "next" in value && typeof value.next === "function";
}

/** What `JSON.stringify` leaves out of an object, judged without stringifying a large value. */
function leftOut(value: unknown): boolean {
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return true;
  return typeof value === "object" && value !== null && "toJSON" in value && JSON.stringify(value) === undefined;
}
