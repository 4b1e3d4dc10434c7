import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One relative import of a source file: the file it names, and whether only types cross it. */
export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** One import, re-export or `import()` as written in a source file. */
interface ImportSpecifier {
  specifier: string;
  typeOnly: boolean;
  /** `import()`: the module loads when that line runs, not with the importing file. */
  dynamic: boolean;
}

/**
 * Every relative import, re-export and `import()` of the `.ts` files under `dir`, with paths relative to `root`.
 * Type-only imports count: a layer that names a higher layer's types depends on it as much as one that calls it.
 */
export function importEdges(root: string, dir: string): ImportEdge[] {
  const files = readdirSync(join(root, dir), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const edges: ImportEdge[] = [];
  for (const file of files.map((f) => join(dir, f))) {
    for (const { specifier, typeOnly } of importsOf(root, file)) {
      if (!specifier.startsWith(".")) continue; // a package, not a layer of ours
      edges.push({ from: file.split(sep).join("/"), to: resolveSpecifier(root, file, specifier), typeOnly });
    }
  }
  return edges;
}

/**
 * The source files (relative to `root`) and the packages that load with `entry`: everything its static imports reach,
 * file by file, leaving out type-only imports (erased) and `import()` (loaded only when that line runs).
 */
export function loadedWith(root: string, entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const { specifier, typeOnly, dynamic } of importsOf(root, file)) {
      if (typeOnly || dynamic) continue;
      if (specifier.startsWith(".")) pending.push(resolveSpecifier(root, file, specifier));
      else packages.add(specifier.startsWith("node:") ? specifier : packageName(specifier));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** `zod` of `zod/v4`, `@scope/name` of `@scope/name/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/** The `.ts` file a relative specifier names, relative to `root`, with `/` separators. */
function resolveSpecifier(root: string, file: string, specifier: string): string {
  return relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, ".ts")))
    .split(sep)
    .join("/");
}

/** Each file's imports, parsed once per test file run. */
const parsed = new Map<string, ImportSpecifier[]>();

function importsOf(root: string, file: string): ImportSpecifier[] {
  const key = join(root, file);
  const known = parsed.get(key);
  if (known !== undefined) return known;
  const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const found: ImportSpecifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({
        specifier: node.moduleSpecifier.text,
        typeOnly: isTypeOnlyImport(node.importClause),
        dynamic: false,
      });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      found.push({
        specifier: node.moduleSpecifier.text,
        typeOnly: node.isTypeOnly || (named?.every((e) => e.isTypeOnly) ?? false),
        dynamic: false,
      });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  parsed.set(key, found);
  return found;
}

function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "./x.js"` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/**
 * The groups of nodes that reach each other (Tarjan's strongly connected components), each sorted,
 * only those with more than one node.
 */
export function cycles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) connect(node);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
