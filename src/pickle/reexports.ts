/**
 * Names one module re-exports from another, so that both spellings are one object and get one verdict. Taken from
 * the CPython `from X import …` statements that create them (Lib/io.py imports `open`, `FileIO`, … from `_io`;
 * Lib/os.py does `from posix import *` or `from nt import *`; Lib/operator.py does `from _operator import *`;
 * Lib/pickle.py takes the C classes from `_pickle`; Lib/functools.py takes
 * `reduce`, `partial` and `cmp_to_key` from `_functools`; Lib/pathlib.py (3.4–3.12) takes `attrgetter` from
 * `operator`; Lib/socket.py does `from _socket import *`). A find_class of `io.open` returns `_io.open`, which is
 * `builtins.open`: judging the alias by its spelling alone would let an allowlist miss or a denylist be walked around.
 *
 * Whole-module re-exports (`from X import *`) map every name; the rest map only the names listed.
 */

interface Reexport {
  /** The module whose objects these are. */
  from: string;
  /** The names re-exported, or "*" for all of them. */
  names: readonly string[] | "*";
}

const IO_NAMES = [
  "open",
  "open_code",
  "FileIO",
  "BytesIO",
  "StringIO",
  "BufferedReader",
  "BufferedWriter",
  "BufferedRWPair",
  "BufferedRandom",
  "IncrementalNewlineDecoder",
  "text_encoding",
  "TextIOWrapper",
];

const REEXPORTS: ReadonlyMap<string, Reexport> = new Map<string, Reexport>([
  ["io", { from: "_io", names: IO_NAMES }],
  // `builtins.open is io.open`: the builtin is the `_io` function (Python/pylifecycle.c sets it from `io.open`).
  ["builtins", { from: "_io", names: ["open"] }],
  // Lib/os.py picks `posix` or `nt` at import time; `os.system` is `posix.system` on one and `nt.system` on the other.
  ["os", { from: "posix", names: "*" }],
  ["functools", { from: "_functools", names: ["reduce", "partial", "cmp_to_key"] }],
  ["operator", { from: "_operator", names: "*" }],
  ["pathlib", { from: "operator", names: ["attrgetter"] }],
  ["socket", { from: "_socket", names: "*" }],
  ["pickle", { from: "_pickle", names: "*" }],
]);

/**
 * The defining module of `module.name` when `module` re-exports it, else null. The caller judges both spellings
 * and keeps the stricter verdict, so an alias can only make a verdict stricter.
 */
export function definingModule(module: string, name: string): string | null {
  const reexport = REEXPORTS.get(module);
  if (!reexport || (reexport.names !== "*" && !reexport.names.includes(name))) return null;
  return reexport.from;
}
