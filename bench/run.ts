import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchAudit } from "./audit-bench.js";
import { writeBenchSection } from "./benchmarks-md.js";
import { REPO_ROOT } from "./cli.js";
import type { BenchContext } from "./context.js";
import { describeMix, writeDownloadsFolder } from "./data/downloads-folder.js";
import { writeRealFiles } from "./data/real-files.js";
import { benchHash } from "./hash-bench.js";
import { benchInspect } from "./inspect-bench.js";
import { benchInstall } from "./install-bench.js";
import { describeMachine } from "./machine.js";
import { benchPicklescan } from "./picklescan-bench.js";
import { type Row, renderFixedWidth, renderMarkdown, skippedRow, type TableLine } from "./results.js";
import { benchSort } from "./sort-bench.js";
import { benchStartup } from "./startup-bench.js";
import { benchTestSuite } from "./test-suite-bench.js";

/** A failure shown in the table is cut here; the table is for figures, the full message goes to stderr. */
const MAX_FAILURE_TEXT = 120;

/** The downloads folder the inspect and sort figures are measured on. */
const DOWNLOADS_FILES = 1000;

/** `data` writes the bench's files the first time a section asks for them; start-up needs none. */
const SECTIONS: readonly { id: string; name: string; run: (data: () => Promise<BenchContext>) => Promise<Row[]> }[] = [
  { id: "start-up", name: "start-up (CLI)", run: () => benchStartup() },
  { id: "inspect", name: "inspect", run: async (data) => benchInspect(await data()) },
  { id: "hashing", name: "hashing", run: async (data) => benchHash(await data()) },
  { id: "install", name: "install", run: async (data) => benchInstall(await data()) },
  { id: "sort", name: "sort --dry-run (CLI)", run: async (data) => benchSort(await data()) },
  { id: "audit", name: "audit (CLI)", run: async (data) => benchAudit(await data()) },
  { id: "picklescan", name: "picklescan (whole process)", run: async (data) => benchPicklescan(await data()) },
  { id: "tests", name: "test suite", run: () => benchTestSuite() },
];

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * `npm run bench` runs every section and writes BENCHMARKS.md; `npm run bench -- start-up inspect` runs only the
 * sections named and prints their table without touching BENCHMARKS.md, which holds a whole run.
 */
async function main(only: readonly string[]): Promise<void> {
  const unknown = only.filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new Error(`unknown bench section ${unknown.join(", ")}; sections: ${SECTIONS.map((s) => s.id).join(", ")}`);
  const selected = only.length === 0 ? SECTIONS : SECTIONS.filter((s) => only.includes(s.id));
  const kept = process.env.SDMODELS_BENCH_DIR;
  const workDir = kept ? resolve(kept) : await mkdtemp(join(tmpdir(), "sdmodels-bench-"));
  await mkdir(workDir, { recursive: true });
  const started = performance.now();
  try {
    const machine = await describeMachine({ "bench dir": workDir, "/dev/shm": "/dev/shm" });
    log(
      `data in ${workDir}` +
        `${kept ? " (kept: SDMODELS_BENCH_DIR)" : " (removed at the end; set SDMODELS_BENCH_DIR to keep it)"}`,
    );
    let context: Promise<BenchContext> | undefined;
    const data = () => (context ??= writeData(workDir));

    const lines: TableLine[] = [];
    for (const section of selected) {
      lines.push({ section: section.name });
      try {
        lines.push(...(await section.run(data)));
      } catch (error) {
        // One broken section must not hide the others' figures.
        const message = (error as Error).message.split("\n")[0] ?? "";
        log(`${section.name} failed: ${(error as Error).stack ?? message}`);
        lines.push(skippedRow(section.name, `failed: ${message.slice(0, MAX_FAILURE_TEXT)}`, "—"));
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    const table = renderFixedWidth(lines);
    const mix =
      context === undefined
        ? "none written"
        : await context.then(
            (c) => describeMix(c.downloads),
            () => "could not be written",
          );
    process.stdout.write(`\nMachine: ${machine}\nData: ${mix}\n\n${table}\n\nTotal bench time ${seconds} s\n`);
    if (selected !== SECTIONS) return;
    await writeBenchSection(
      join(REPO_ROOT, "BENCHMARKS.md"),
      [
        `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (total ${seconds} s).`,
        "",
        `**Machine:** ${machine}`,
        "",
        `**Data:** ${mix}`,
        "",
        renderMarkdown(lines),
      ].join("\n"),
    );
    log("wrote the results into BENCHMARKS.md");
  } finally {
    if (!kept) await rm(workDir, { recursive: true, force: true });
  }
}

/** The sparse downloads folder and the real-data files the inspect, hashing, install and sort sections measure. */
async function writeData(workDir: string): Promise<BenchContext> {
  log(`writing ${DOWNLOADS_FILES} sparse model files`);
  const downloadsDir = join(workDir, "downloads");
  await rm(downloadsDir, { recursive: true, force: true });
  await mkdir(downloadsDir);
  const downloads = await writeDownloadsFolder(downloadsDir, DOWNLOADS_FILES);
  log("writing the real-data files");
  return { workDir, downloads, ...(await writeRealFiles(workDir)), log };
}

await main(process.argv.slice(2));
