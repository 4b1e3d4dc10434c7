import { mapPython2Global } from "./compat-pickle.js";
import {
  BUILTINS_MODULES,
  DANGEROUS_GLOBALS,
  DANGEROUS_MODULES,
  DANGEROUS_NAMES,
  KNOWN_BUILTINS,
  KNOWN_GLOBALS,
  KNOWN_NUMPY_DTYPES_MODULE,
  MODULE_OBJECT_NAMES,
  PACKAGE_DANGEROUS_NAMES,
  SAFE_BUILTINS,
  SAFE_GLOBALS,
} from "./global-policy.js";
import { definingGlobal } from "./reexports.js";

/**
 * `safe`: allowlisted. `known`, `unknown`: suspicious (needs trusting). `malformed`: no module or attribute has
 * this name, so CPython's find_class raises and the load stops (suspicious). `dangerous`: runs code or touches the
 * system, or reaches past the name it gives (a dotted or dunder name).
 */
export type GlobalClass = "safe" | "known" | "unknown" | "dangerous" | "malformed";

export interface GlobalJudgement {
  /** `module.name` after the Python 2 mapping (what was judged). */
  resolved: string;
  module: string;
  name: string;
  class: GlobalClass;
  /** Why, for the finding message. */
  reason: string;
}

const IDENTIFIER_CHARS = /^[A-Za-z0-9_.]+$/;

/**
 * Why a pair is not an ordinary `module.name`, and whether CPython can still resolve it. Names no module or
 * attribute has (empty parts, whitespace, `\r`, NUL, punctuation) make `find_class` raise: nothing is imported
 * and the load stops. A dotted name (an attribute chain, resolved for protocol 4+) or a dunder part (`__import__`,
 * `torch.__init__`) reaches objects the pair does not name: that resolves, and is dangerous.
 */
function malformation(module: string, name: string): { reason: string; resolves: boolean } | null {
  if (module === "" || name === "") return { reason: "empty module or name", resolves: false };
  if (!IDENTIFIER_CHARS.test(module) || !IDENTIFIER_CHARS.test(name)) {
    return { reason: "characters outside [A-Za-z0-9_.] (whitespace, \\r, NUL or punctuation)", resolves: false };
  }
  if (name.includes(".")) return { reason: "dotted name (attribute chain)", resolves: true };
  const parts = module.split(".");
  if (parts.some((p) => p === "")) return { reason: "empty module component", resolves: false };
  if (parts.slice(1).some((p) => p.startsWith("__")) || name.startsWith("__"))
    return { reason: "dunder component", resolves: true };
  return null;
}

function inDangerousModule(module: string): string | null {
  const parts = module.split(".");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join(".");
    if (DANGEROUS_MODULES.has(prefix)) return prefix;
  }
  return null;
}

/**
 * Decides one global, in this precedence: malformed → builtins → SAFE → DANGEROUS → KNOWN → unknown. `protocol` is
 * the stream's PROTO (0 when absent): below 3, CPython maps Python 2 names first.
 */
export function judgeGlobal(rawModule: string, rawName: string, protocol: number): GlobalJudgement {
  const bad = malformation(rawModule, rawName);
  if (bad) {
    return {
      resolved: `${rawModule}.${rawName}`,
      module: rawModule,
      name: rawName,
      class: bad.resolves ? "dangerous" : "malformed",
      reason: bad.reason,
    };
  }
  const [module, name] = protocol < 3 ? mapPython2Global(rawModule, rawName) : [rawModule, rawName];
  const own = judgeResolved(module, name);
  const home = definingGlobal(module, name);
  if (home === null) return own;
  // The same object under its defining name: the stricter of the two verdicts stands.
  const aliased = judgeResolved(home[0], home[1]);
  return STRICTNESS[aliased.class] > STRICTNESS[own.class]
    ? { ...own, class: aliased.class, reason: `same object as ${aliased.resolved}: ${aliased.reason}` }
    : own;
}

const STRICTNESS: Record<GlobalClass, number> = { safe: 0, known: 1, unknown: 2, malformed: 3, dangerous: 4 };

/** The policy lookup for one well-formed pair, already mapped from Python 2. */
function judgeResolved(module: string, name: string): GlobalJudgement {
  const resolved = `${module}.${name}`;
  const verdict = (cls: GlobalClass, reason: string): GlobalJudgement => ({
    resolved,
    module,
    name,
    class: cls,
    reason,
  });

  if (BUILTINS_MODULES.has(module)) {
    if (SAFE_BUILTINS.has(name)) return verdict("safe", "inert builtin");
    if (KNOWN_BUILTINS.has(name)) return verdict("known", "builtin that can build or call other values");
    return verdict("dangerous", "builtin outside the inert set (eval/exec/getattr/open class)");
  }
  if (SAFE_GLOBALS.has(resolved)) return verdict("safe", "SAFE");
  if (DANGEROUS_GLOBALS.has(resolved)) return verdict("dangerous", "known code-execution or nested-load primitive");
  const dangerousModule = inDangerousModule(module);
  if (dangerousModule) return verdict("dangerous", `module ${dangerousModule} can run code or touch the system`);
  const dangerousName = DANGEROUS_NAMES.get(name);
  if (dangerousName) return verdict("dangerous", dangerousName);
  const packageName = PACKAGE_DANGEROUS_NAMES.find(
    (rule) => (module === rule.package || module.startsWith(`${rule.package}.`)) && rule.name.test(name),
  );
  if (packageName) return verdict("dangerous", packageName.reason);
  if (MODULE_OBJECT_NAMES.has(name)) {
    return verdict(
      "dangerous",
      `attribute ${name} of another module is the ${name} module it imported (a way to reach it under another name)`,
    );
  }
  if (KNOWN_GLOBALS.has(resolved) || (module === KNOWN_NUMPY_DTYPES_MODULE && name.endsWith("DType"))) {
    return verdict("known", "requires trusting the file's Python classes");
  }
  return verdict("unknown", "unknown import");
}
