import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMixedFolder } from "../../fixtures/mixed-folder.js";
import { MAX_JOBS } from "../../src/cli/jobs-option.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, touch } from "../install/fake-webui.js";
import { type CliRun, runCli, useBuiltCli } from "./run-cli.js";

const tempDir = useTempDirs("sdmodels-cli-jobs-");
const builtCli = useBuiltCli();

const SAMPLE = fileURLToPath(new URL("../../fixtures/samples/EasyNegative.safetensors", import.meta.url));

/** Values a user can type that are not a thread count sdmodels accepts. */
const BAD_JOBS = ["0", "-1", "1.5", "abc", "", " 2", "1e1", "0x2", String(MAX_JOBS + 1)];

describe("--jobs on the command line", () => {
  it.each(BAD_JOBS)("refuses --jobs %j as a usage error on every command that inspects, naming it", async (value) => {
    const dir = await tempDir();
    const webui = join(dir, "webui");
    await touch(webui, A1111_MARKERS);
    const file = join(dir, "model.safetensors");
    await writeFile(file, await readFile(SAMPLE));
    const runs: Record<string, string[]> = {
      inspect: ["inspect", file],
      sort: ["sort", dir, "--webui", webui],
      install: ["install", file, "--webui", webui],
      audit: ["audit", "--webui", webui, "--fix"],
    };
    for (const [command, args] of Object.entries(runs)) {
      const run = await runCli([...args, "--jobs", value, "--json"], { env: { SDMODELS_STATE_DIR: join(dir, "s") } });
      expect({ command, code: run.code, stdout: run.stdout }).toEqual({ command, code: 1, stdout: "" });
      expect(run.stderr).toContain(`--jobs <n>' argument '${value}' is invalid`);
      expect(run.stderr).toContain(`from 1 to ${MAX_JOBS}`);
    }
    // Refused before anything ran: the file was neither moved nor copied.
    expect((await stat(file)).size).toBe((await stat(SAMPLE)).size);
  });

  it("refuses --jobs without a value", async () => {
    const run = await runCli(["inspect", SAMPLE, "--jobs"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--jobs <n>' argument missing");
  });

  it("accepts 1 to the maximum, as --jobs N, --jobs=N and -j N", async () => {
    for (const args of [["--jobs", "1"], [`--jobs=${MAX_JOBS}`], ["-j", "2"], ["-j3"]]) {
      const run = await runCli(["inspect", SAMPLE, "--json", ...args]);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
    }
  });
});

describe("--jobs in the built CLI (real worker threads)", () => {
  let root = "";
  let folder = "";
  let webui = "";
  let preload = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sdmodels-cli-jobs-"));
    folder = join(root, "downloads");
    webui = join(root, "webui");
    await touch(webui, A1111_MARKERS);
    await writeMixedFolder(folder);
    // Loaded by every thread of the child (Node runs `--import` modules in each worker too): each worker thread
    // that starts logs its script (a worker's argv[1]), whoever started it.
    preload = join(root, "log-threads.mjs");
    await writeFile(
      preload,
      'import { appendFileSync } from "node:fs";\nimport { isMainThread } from "node:worker_threads";\n' +
        "if (!isMainThread) appendFileSync(process.env.SDMODELS_TEST_THREAD_LOG, process.argv[1] + '\\n');\n",
    );
  }, 120_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  /**
   * Runs the built CLI and counts the inspection workers it started. Hashing a large safetensors file (sort looks
   * for duplicates by size, then SHA-256) runs its AutoV3 stream on a thread of its own, which is not counted.
   */
  async function runCounting(args: readonly string[]): Promise<CliRun & { workers: number }> {
    const log = join(await tempDir(), "threads.log");
    await writeFile(log, "");
    const run = await builtCli([...args, "--json"], {
      env: {
        NODE_OPTIONS: `--import=${pathToFileURL(preload).href}`,
        SDMODELS_TEST_THREAD_LOG: log,
        SDMODELS_STATE_DIR: join(root, "state"),
      },
    });
    const scripts = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    const workers = scripts.filter((script) => !script.endsWith("/hash/sha256-worker.js")).length;
    return { ...run, workers };
  }

  it("inspects on the calling thread with --jobs 1, on two workers with --jobs 2, and reports the same", async () => {
    const one = await runCounting(["inspect", folder, "--jobs", "1"]);
    const two = await runCounting(["inspect", folder, "--jobs", "2"]);
    const byDefault = await runCounting(["inspect", folder]);
    const files = JSON.parse(one.stdout) as { path: string }[];
    expect(files.length).toBeGreaterThan(2 * 64);
    expect({ one: one.workers, two: two.workers }).toEqual({ one: 0, two: 2 });
    expect(byDefault.workers).toBeGreaterThan(0);
    expect(two.stdout).toBe(one.stdout);
    expect(byDefault.stdout).toBe(one.stdout);
    expect([two.code, byDefault.code]).toEqual([one.code, one.code]);
  }, 180_000);

  it("plans sort --dry-run the same, in the same order, on one thread and on the default pool", async () => {
    const one = await runCounting(["sort", folder, "--webui", webui, "--dry-run", "--jobs", "1"]);
    const byDefault = await runCounting(["sort", folder, "--webui", webui, "--dry-run"]);
    expect(one.workers).toBe(0);
    expect(byDefault.workers).toBeGreaterThan(0);
    const plan = JSON.parse(one.stdout) as { plan: unknown[] };
    expect(plan.plan.length).toBeGreaterThan(2 * 64);
    expect(byDefault.stdout).toBe(one.stdout);
    expect(byDefault.code).toBe(one.code);
  }, 180_000);
});
