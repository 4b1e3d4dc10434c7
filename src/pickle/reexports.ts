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
  // torch/cuda/__init__.py does `from .memory import *`; of those names only the allocator loads a library.
  ["torch.cuda", { from: "torch.cuda.memory", names: ["CUDAPluggableAllocator"] }],
  // numpy/__init__.py re-exports the file readers and writers of numpy/lib/npyio.py at the top level.
  [
    "numpy",
    {
      from: "numpy.lib.npyio",
      names: [
        "load",
        "save",
        "savez",
        "savez_compressed",
        "loadtxt",
        "savetxt",
        "genfromtxt",
        "fromregex",
        "recfromtxt",
        "recfromcsv",
      ],
    },
  ],
]);

/**
 * six (and every vendored copy, `urllib3.packages.six`, …) registers lazy modules on `sys.meta_path`:
 * `<six>.moves` and `<six>.moves.<name>`, whose attributes are the Python 3 objects they stand for. An importer
 * resolves them, so `six.moves.getoutput` is `subprocess.getoutput` to find_class. The Python 3 names, from
 * six.py's `_moved_attributes` and `_urllib_*_moved_attributes`.
 */
const SIX_MOVED_ATTRIBUTES: ReadonlyMap<string, readonly [string, string]> = new Map<string, readonly [string, string]>(
  [
    ["cStringIO", ["io", "StringIO"]],
    ["StringIO", ["io", "StringIO"]],
    ["filter", ["builtins", "filter"]],
    ["map", ["builtins", "map"]],
    ["zip", ["builtins", "zip"]],
    ["range", ["builtins", "range"]],
    ["xrange", ["builtins", "range"]],
    ["input", ["builtins", "input"]],
    ["filterfalse", ["itertools", "filterfalse"]],
    ["zip_longest", ["itertools", "zip_longest"]],
    ["intern", ["sys", "intern"]],
    ["getcwd", ["os", "getcwd"]],
    ["getcwdb", ["os", "getcwdb"]],
    ["getoutput", ["subprocess", "getoutput"]],
    ["getstatusoutput", ["subprocess", "getstatusoutput"]],
    ["reload_module", ["importlib", "reload"]],
    ["reduce", ["functools", "reduce"]],
    ["shlex_quote", ["shlex", "quote"]],
    ["UserDict", ["collections", "UserDict"]],
    ["UserList", ["collections", "UserList"]],
    ["UserString", ["collections", "UserString"]],
  ],
);

/**
 * The module each `<six>.moves.<name>` stands for, where its Python 3 name is not `<name>` itself (`queue`,
 * `socketserver`, `_thread`, … are the same name). six.py's `MovedModule` entries and its `urllib` package.
 */
const SIX_MOVED_MODULES: ReadonlyMap<string, string> = new Map([
  ["cPickle", "pickle"],
  ["BaseHTTPServer", "http.server"],
  ["CGIHTTPServer", "http.server"],
  ["SimpleHTTPServer", "http.server"],
  ["http_client", "http.client"],
  ["http_cookiejar", "http.cookiejar"],
  ["http_cookies", "http.cookies"],
  ["collections_abc", "collections.abc"],
  ["dbm_gnu", "dbm.gnu"],
  ["dbm_ndbm", "dbm.ndbm"],
  ["urllib_parse", "urllib.parse"],
  ["urllib_error", "urllib.error"],
  ["urllib_request", "urllib.request"],
  ["urllib_response", "urllib.response"],
  ["urllib_robotparser", "urllib.robotparser"],
  ["xmlrpc_client", "xmlrpc.client"],
  ["xmlrpc_server", "xmlrpc.server"],
]);

/** `module.name` as six resolves it, when `module` is a `<six>.moves` module; else null. */
function sixMove(module: string, name: string): readonly [string, string] | null {
  const parts = module.split(".");
  const at = parts.findIndex((part, i) => part === "six" && parts[i + 1] === "moves");
  if (at < 0) return null;
  const [moved, ...rest] = parts.slice(at + 2);
  if (moved === undefined) return SIX_MOVED_ATTRIBUTES.get(name) ?? null;
  return [[SIX_MOVED_MODULES.get(moved) ?? moved, ...rest].join("."), name];
}

/**
 * Packages that hand out whole standard-library modules under their own prefix (python-future, which basicsr and
 * so the WebUIs' upscalers install): `future.moves.subprocess` is `from subprocess import *`,
 * `future.backports.urllib.request` re-implements urllib.request, `future.builtins` re-exports builtins, and
 * `past.builtins` adds Python 2 builtins (`apply(f, *args)` calls f, `execfile(path)` execs a file).
 * Each prefix stands for the module named after it ("" for the top level).
 */
const MODULE_PREFIX_ALIASES: ReadonlyArray<readonly [prefix: string, standsFor: string]> = [
  ["future.moves", ""],
  ["future.backports", ""],
  ["future.builtins", "builtins"],
  ["past.builtins", "builtins"],
];

function prefixAlias(module: string, name: string): readonly [string, string] | null {
  for (const [prefix, standsFor] of MODULE_PREFIX_ALIASES) {
    if (module === prefix && standsFor !== "") return [standsFor, name];
    if (module.startsWith(`${prefix}.`)) {
      const rest = module.slice(prefix.length + 1);
      return [standsFor === "" ? rest : `${standsFor}.${rest}`, name];
    }
  }
  return null;
}

/**
 * The defining `[module, name]` of `module.name` when another module re-exports it or an importer aliases it, else
 * null. The caller judges both spellings and keeps the stricter verdict, so an alias can only make a verdict
 * stricter.
 */
export function definingGlobal(module: string, name: string): readonly [string, string] | null {
  const reexport = REEXPORTS.get(module);
  if (reexport && (reexport.names === "*" || reexport.names.includes(name))) return [reexport.from, name];
  return sixMove(module, name) ?? prefixAlias(module, name);
}
