import { readFile, writeFile } from "node:fs/promises";

export const BENCH_START = "<!-- bench:start -->";
export const BENCH_END = "<!-- bench:end -->";

/**
 * `document` with the text between the bench markers replaced by `generated`; the prose around them is kept.
 * A document without both markers gets the section appended, so nothing hand-written is ever lost.
 */
export function replaceBenchSection(document: string, generated: string): string {
  const section = `${BENCH_START}\n${generated.trimEnd()}\n${BENCH_END}`;
  const start = document.indexOf(BENCH_START);
  const end = document.indexOf(BENCH_END, start);
  if (start < 0 || end < 0) return `${document.trimEnd()}${document.trim() ? "\n\n" : ""}${section}\n`;
  return `${document.slice(0, start)}${section}${document.slice(end + BENCH_END.length)}`;
}

export async function writeBenchSection(path: string, generated: string): Promise<void> {
  const existing = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "# Benchmarks\n";
    throw error;
  });
  await writeFile(path, replaceBenchSection(existing, generated));
}
