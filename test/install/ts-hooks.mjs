// Module hooks that let a plain `node` child process import the TypeScript sources (Node 20 cannot strip types).
// Used by the crash-safety test, which must SIGKILL a real process in the middle of a copy.
// Register with `module.register(<this file's URL>)` before importing any .ts module.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Sources import `./x.js` (NodeNext style); map that to `./x.ts` when only the .ts exists. */
export async function resolve(specifier, context, next) {
  if (context.parentURL?.startsWith("file:") && /^\.{1,2}\//.test(specifier) && specifier.endsWith(".js")) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = new URL(url.href.replace(/\.js$/, ".ts"));
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl))) {
      return { url: tsUrl.href, format: "module", shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, "utf8"), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
