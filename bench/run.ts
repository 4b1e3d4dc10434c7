import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeBenchSection } from "./benchmarks-md.js";
import { REPO_ROOT } from "./cli.js";
import type { BenchContext } from "./context.js";
import { describeMix, writeDownloadsFolder } from "./data/downloads-folder.js";
import { writeRealFiles } from "./data/real-files.js";
import { benchHash } from "./hash-bench.js";
import { benchInspect } from "./inspect-bench.js";
import { benchInstall } from "./install-bench.js";
import { describeMachine } from "./machine.js";
import { renderFixedWidth, renderMarkdown, skippedRow, type Row, type TableLine } from "./results.js";
import { benchSort } from "./sort-bench.js";

/** A failure shown in the table is cut here; the table is for figures, the full message goes to stderr. */
const MAX_FAILURE_TEXT = 120;

/** The downloads folder the inspect and sort figures are measured on. */
const DOWNLOADS_FILES = 1000;

const SECTIONS: readonly { name: string; run: (context: BenchContext) => Promise<Row[]> }[] = [
  { name: "inspect", run: benchInspect },
  { name: "hashing", run: benchHash },
  { name: "install", run: benchInstall },
  { name: "sort --dry-run (CLI)", run: benchSort },
];

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<void> {
  const kept = process.env.SDMODELS_BENCH_DIR;
  const workDir = kept ? resolve(kept) : await mkdtemp(join(tmpdir(), "sdmodels-bench-"));
  await mkdir(workDir, { recursive: true });
  const started = performance.now();
  try {
    const machine = await describeMachine({ "bench dir": workDir, "/dev/shm": "/dev/shm" });
    log(`data in ${workDir}${kept ? " (kept: SDMODELS_BENCH_DIR)" : " (removed at the end; set SDMODELS_BENCH_DIR to keep it)"}`);
    log(`writing ${DOWNLOADS_FILES} sparse model files`);
    const downloadsDir = join(workDir, "downloads");
    await rm(downloadsDir, { recursive: true, force: true });
    await mkdir(downloadsDir);
    const downloads = await writeDownloadsFolder(downloadsDir, DOWNLOADS_FILES);
    log("writing the real-data files");
    const context: BenchContext = { workDir, downloads, ...(await writeRealFiles(workDir)), log };

    const lines: TableLine[] = [];
    for (const section of SECTIONS) {
      lines.push({ section: section.name });
      try {
        lines.push(...(await section.run(context)));
      } catch (error) {
        // One broken section must not hide the others' figures.
        const message = (error as Error).message.split("\n")[0] ?? "";
        log(`${section.name} failed: ${(error as Error).stack ?? message}`);
        lines.push(skippedRow(section.name, `failed: ${message.slice(0, MAX_FAILURE_TEXT)}`, "—"));
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    const table = renderFixedWidth(lines);
    process.stdout.write(`\nMachine: ${machine}\nData: ${describeMix(downloads)}\n\n${table}\n\nTotal bench time ${seconds} s\n`);
    await writeBenchSection(
      join(REPO_ROOT, "BENCHMARKS.md"),
      [
        `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (total ${seconds} s).`,
        "",
        `**Machine:** ${machine}`,
        "",
        `**Data:** ${describeMix(downloads)}`,
        "",
        renderMarkdown(lines),
      ].join("\n"),
    );
    log("wrote the results into BENCHMARKS.md");
  } finally {
    if (!kept) await rm(workDir, { recursive: true, force: true });
  }
}

await main();
