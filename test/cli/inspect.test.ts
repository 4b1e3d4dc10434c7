import { mkdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { checkpointSpec, PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { type TensorSpec, writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { displayWidth } from "../../src/cli/output/table.js";
import { UI_NAMES } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { HAS_SCRIPT, runCli, useBuiltCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs();

const VERDICT = z.enum(["safe", "suspicious", "dangerous"]);
/** The published `inspect --json` element: the contract keys in order, then the allowed extras. */
const REPORT = z.strictObject({
  path: z.string(),
  format: z.enum(["safetensors", "torch-zip", "torch-legacy", "pickle", "unknown"]),
  size: z.number().int().nonnegative(),
  tensors: z.number().int().nonnegative(),
  dtypes: z.record(z.string(), z.number().int().positive()),
  metadata: z.record(z.string(), z.string()).nullable(),
  kind: z.string(),
  algorithm: z.string().nullable(),
  base: z.string(),
  evidence: z.array(z.string()),
  safety: z.strictObject({ verdict: VERDICT, reasons: z.array(z.string()), imports: z.array(z.string()) }),
  error: z.strictObject({ code: z.string(), message: z.string(), io: z.literal(true).optional() }).nullable(),
  variant: z.string().nullable(),
  architecture: z.string().nullable(),
  confidence: z.enum(["high", "medium", "low"]),
  bytesRead: z.number().int().nonnegative(),
  loraFormat: z.string().nullable(),
  loads: z.array(
    z.strictObject({
      ui: z.enum(UI_NAMES),
      loads: z.boolean(),
      code: z.string().nullable(),
      since: z.string().nullable(),
      source: z.string().nullable(),
    }),
  ),
  nameMismatch: z.strictObject({ code: z.string(), extension: z.string() }).nullable(),
  evidenceRules: z.array(z.string()),
});
const CONTRACT_KEYS = [
  "path",
  "format",
  "size",
  "tensors",
  "dtypes",
  "metadata",
  "kind",
  "algorithm",
  "base",
  "evidence",
  "safety",
  "error",
];

function parseReports(stdout: string) {
  const parsed = z.array(REPORT).parse(JSON.parse(stdout));
  for (const report of parsed) {
    expect(Object.keys(report).slice(0, CONTRACT_KEYS.length)).toEqual(CONTRACT_KEYS);
    expect(report.evidenceRules).toHaveLength(report.evidence.length);
  }
  return parsed;
}

const ANSI = /\u001b\[/;
/** ora's default frames and the carriage return a redrawn line needs. */
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏\r]/;
const STACK_LINE = /^\s+at /m;

/** A small SD-1.x-like UNet slice: enough tensors to count and mix dtypes. */
const TENSORS: TensorSpec[] = [
  { name: "model.diffusion_model.input_blocks.0.0.weight", shape: [320, 4, 3, 3] },
  { name: "model.diffusion_model.input_blocks.0.0.bias", shape: [320] },
  { name: "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", shape: [320, 768] },
  { name: "model.diffusion_model.time_embed.0.weight", shape: [1280, 320], dtype: "F32" },
];

async function dangerousZip(path: string): Promise<void> {
  const dataPkl = new PickleBuilder()
    .proto(2)
    .global("os", "system")
    .shortBinunicode("echo pwned")
    .tuple1()
    .reduce()
    .stop()
    .bytes();
  await writeTorchZip(path, { dataPkl, storages: [] });
}

async function safeZip(path: string): Promise<void> {
  const pickle = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3] }]]), {
    persistentIds: "zip",
  });
  await writeTorchZip(path, {
    dataPkl: pickle.bytes,
    storages: pickle.storages.map((s) => ({ key: s.key, byteSize: s.byteSize })),
  });
}

describe("sdmodels inspect --json", () => {
  it("prints one JSON array that follows the contract, and exits 0 for a valid file", async () => {
    const dir = await tempDir();
    const file = join(dir, "model.safetensors");
    const { size } = await writeSafetensors(file, TENSORS, { metadata: { "modelspec.title": "demo" } });
    const run = await cli(["inspect", file, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [report, ...rest] = parseReports(run.stdout);
    expect(rest).toEqual([]);
    expect(report).toMatchObject({
      path: file,
      format: "safetensors",
      size,
      tensors: 4,
      dtypes: { F16: 3, F32: 1 },
      metadata: { "modelspec.title": "demo" },
      safety: { verdict: "safe", reasons: [], imports: [] },
      error: null,
    });
    expect(report!.bytesRead).toBeLessThan(size / 100); // headers only: the tensor data is never read
  });

  it("accepts the global options before the subcommand too", async () => {
    const dir = await tempDir();
    const file = join(dir, "model.safetensors");
    await writeSafetensors(file, TENSORS);
    const run = await cli(["--json", "inspect", file]);
    expect(run.code).toBe(0);
    expect(parseReports(run.stdout)).toHaveLength(1);
  });

  it("reports a missing file as ENOENT in its own object, exits 2, and still reports the others", async () => {
    const dir = await tempDir();
    const good = join(dir, "good.safetensors");
    await writeSafetensors(good, TENSORS);
    const missing = join(dir, "missing.safetensors");
    const run = await cli(["inspect", missing, good, "--json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("");
    const reports = parseReports(run.stdout);
    expect(reports.map((r) => r.path)).toEqual([missing, good]);
    expect(reports[0]!.error).toEqual({ code: "ENOENT", message: `${missing}: no such file`, io: true });
    expect(reports[0]!.safety.verdict).not.toBe("safe");
    expect(reports[1]!.error).toBeNull();
  });

  it("reports a truncated safetensors download as a one-line error with exit 2", async () => {
    const dir = await tempDir();
    const file = join(dir, "cut.safetensors");
    await writeSafetensors(file, TENSORS, { extraBytes: -1000 });
    const run = await cli(["inspect", file, "--json"]);
    expect(run.code).toBe(2);
    const [report] = parseReports(run.stdout);
    expect(report!.format).toBe("safetensors");
    expect(report!.error).not.toBeNull();
    expect(report!.error!.message).not.toContain("\n");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("exits 3 when a file is dangerous, even beside a file with an error", async () => {
    const dir = await tempDir();
    const bad = join(dir, "payload.ckpt");
    await dangerousZip(bad);
    const run = await cli(["inspect", bad, join(dir, "missing.ckpt"), "--json"]);
    expect(run.code).toBe(3);
    const [report] = parseReports(run.stdout);
    expect(report!.format).toBe("torch-zip");
    expect(report!.safety.verdict).toBe("dangerous");
    expect(report!.safety.imports).toContain("os.system");
  });

  it("lists a clean pickle's imports and exits 0", async () => {
    const dir = await tempDir();
    const file = join(dir, "clean.ckpt");
    await safeZip(file);
    const run = await cli(["inspect", file, "--json"]);
    const [report] = parseReports(run.stdout);
    expect(report!.format).toBe("torch-zip");
    expect(report!.tensors).toBe(1);
    expect(report!.safety.imports).toContain("torch._utils._rebuild_tensor_v2");
    expect(report!.safety.verdict).not.toBe("dangerous");
    expect(run.code).toBe(0);
  });

  it("walks a directory: model extensions only, sorted, hidden directories skipped, symlink loops safe", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sub/deeper"), { recursive: true });
    await mkdir(join(dir, ".cache"));
    await writeSafetensors(join(dir, "b.safetensors"), TENSORS);
    await writeSafetensors(join(dir, "a.SFT"), TENSORS);
    await writeSafetensors(join(dir, "sub/deeper/c.safetensors"), TENSORS);
    await writeSafetensors(join(dir, ".cache/hidden.safetensors"), TENSORS);
    await writeFile(join(dir, "README.md"), "# not a model\n");
    await writeFile(join(dir, "b.preview.png"), "png");
    await symlink("..", join(dir, "sub/loop"));
    const run = await cli(["inspect", dir, "--json"]);
    expect(run.code).toBe(0);
    expect(parseReports(run.stdout).map((r) => r.path)).toEqual([
      join(dir, "a.SFT"),
      join(dir, "b.safetensors"),
      join(dir, "sub/deeper/c.safetensors"),
    ]);
  });

  it("prints an empty array for a directory without model files and says so on stderr", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "README.md"), "nothing here\n");
    const run = await cli(["inspect", dir, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(run.stderr).toBe(`sdmodels: no model files found in ${dir}\n`);
  });

  it("explains an HTML page saved as a model", async () => {
    const dir = await tempDir();
    const file = join(dir, "model.safetensors");
    await writeFile(file, "<!DOCTYPE html>\n<html><head><title>Sign in | Civitai</title></head><body></body></html>\n");
    const run = await cli(["inspect", file, "--json"]);
    expect(run.code).toBe(2);
    const [report] = parseReports(run.stdout);
    expect(report!.format).toBe("unknown");
    expect(report!.error!.code).toBe("error-page");
    expect(report!.error!.message).toContain("Sign in | Civitai");
  });
});

describe("sdmodels inspect: names and UIs", () => {
  it("says a pickle named .safetensors has the wrong name, instead of a plain 'safe'", async () => {
    const dir = await tempDir();
    const saved = await writeModelFixture(fixtureById("sd1-controlnet-ldm"), "torch-zip", dir);
    const file = join(dir, "canny-fp16.safetensors");
    await rename(saved, file);
    const human = await cli(["inspect", file]);
    expect(human.stdout).toMatch(/safety\s+safe, but the name is wrong: pickle content named \.safetensors/);
    const [report] = parseReports((await cli(["inspect", file, "--json"])).stdout);
    expect(report!.nameMismatch).toEqual({ code: "pickle-named-safetensors", extension: ".safetensors" });
    expect(report!.safety.verdict).toBe("safe");
  });

  it("shows per UI whether it loads the file, and why not", async () => {
    const dir = await tempDir();
    const file = await writeModelFixture(fixtureById("flux1-dev-checkpoint-all-in-one"), "safetensors", dir);
    const run = await cli(["inspect", file]);
    expect(run.stdout).toMatch(
      /loads in\s+forge, sdnext, comfyui, swarmui\n\s+not a1111, fooocus: no model class for flux\n/,
    );
    const [report] = parseReports((await cli(["inspect", file, "--json"])).stdout);
    expect(report!.loads.map((j) => [j.ui, j.code])).toEqual([
      ["a1111", "base-not-supported"],
      ["forge", null],
      ["sdnext", null],
      ["comfyui", null],
      ["swarmui", null],
      ["fooocus", "base-not-supported"],
    ]);
  });
});

describe("sdmodels inspect, usage", () => {
  it("rejects zero paths with exit 1, one line on stderr and no JSON", async () => {
    const run = await cli(["inspect", "--json"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^sdmodels: .*paths.*\n$/);
  });

  it("rejects an unknown option with exit 1 and commander's one-line message", async () => {
    const run = await cli(["inspect", "--frobnicate", "x"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^sdmodels: unknown option '--frobnicate'/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("shows examples and the exit codes in --help", async () => {
    const run = await cli(["inspect", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout).toContain("$ sdmodels inspect ");
    expect(run.stdout).toContain("--json");
    expect(run.stdout).toMatch(/Exit codes:/);
  });
});

describe("sdmodels inspect, human output", () => {
  it("prints a block per file and a summary table, with no colour or spinner when piped", async () => {
    const dir = await tempDir();
    await writeSafetensors(join(dir, "one.safetensors"), TENSORS);
    await dangerousZip(join(dir, "two.ckpt"));
    // NO_COLOR unset: piping alone must turn colour off.
    const run = await cli(["inspect", dir], { env: { NO_COLOR: undefined } });
    expect(run.code).toBe(3);
    expect(run.stdout).not.toMatch(ANSI);
    expect(run.stderr).not.toMatch(SPINNER);
    expect(run.stdout).toContain(join(dir, "one.safetensors"));
    expect(run.stdout).toMatch(/tensors\s+4 \(F16 3, F32 1\)/);
    expect(run.stdout).toMatch(/safety\s+dangerous/);
    expect(run.stdout).toMatch(/imports\s+os\.system/);
    expect(run.stdout).toContain(`\nin ${dir}/\nNAME`);
    expect(run.stdout).toMatch(/^NAME\s+FORMAT\s+KIND\s+BASE\s+VERDICT$/m);
    expect(run.stdout).toMatch(/^one\.safetensors\s+safetensors\s+.*safe$/m);
    expect(run.stdout).toMatch(/^two\.ckpt\s+torch-zip\s+.*dangerous$/m);
  });

  it("honours FORCE_COLOR through a pipe (and FORCE_COLOR=0), as Node and chalk do", async () => {
    const dir = await tempDir();
    const file = join(dir, "one.safetensors");
    await writeSafetensors(file, TENSORS);
    expect((await cli(["inspect", file], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout).toMatch(ANSI);
    expect((await cli(["inspect", file], { env: { NO_COLOR: undefined, FORCE_COLOR: "0" } })).stdout).not.toMatch(ANSI);
    expect(
      (await cli(["inspect", file, "--no-color"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout,
    ).not.toMatch(ANSI);
  });

  it("keeps the summary columns aligned after Japanese and Korean file names", async () => {
    const dir = await tempDir();
    for (const name of ["a.safetensors", "東方風景モデル.safetensors", "한국어_로라.safetensors"])
      await writeSafetensors(join(dir, name), TENSORS);
    const run = await cli(["inspect", dir]);
    const rows = run.stdout.split("\n").filter((l) => /\.safetensors\s+safetensors\s/.test(l));
    expect(rows).toHaveLength(3);
    const formatColumn = (line: string) => displayWidth(line.slice(0, line.search(/\ssafetensors\s/) + 1));
    expect(new Set(rows.map(formatColumn)).size).toBe(1);
  });

  it("fits the summary into 80 columns: names relative to the shared folder, long ones cut in the middle", async () => {
    const dir = await tempDir();
    const names = [
      "sdxl/a-rather-long-folder-name-for-loras/first-model-with-a-long-name.safetensors",
      "sd15/second.safetensors",
    ];
    for (const name of names) {
      await mkdir(join(dir, name, ".."), { recursive: true });
      await writeSafetensors(join(dir, name), TENSORS);
    }
    const run = await cli(["inspect", dir], { env: { COLUMNS: "80" } });
    expect(run.code).toBe(0);
    const table = run.stdout
      .slice(run.stdout.lastIndexOf("\nNAME") + 1)
      .trimEnd()
      .split("\n");
    expect(table).toHaveLength(3);
    for (const line of table) expect([...line].length).toBeLessThanOrEqual(80);
    expect(table[1]).toMatch(/^sd15\/second\.safetensors\s+safetensors /);
    expect(table[2]).toMatch(/^sdxl\/a-rather\S*…\S*long-name\.safetensors\s+safetensors /);
    // Piped without COLUMNS, nothing is cut: the output stays greppable.
    const piped = await cli(["inspect", dir]);
    expect(piped.stdout).toContain(names[0]);
  });

  it("prints a missing file's error as part of the report, never as a stack trace", async () => {
    const dir = await tempDir();
    const missing = join(dir, "nope.safetensors");
    const run = await cli(["inspect", missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`${missing}: no such file (ENOENT)`);
  });
});

describe.skipIf(!HAS_SCRIPT)("sdmodels inspect on a terminal", () => {
  // A real terminal needs a real process: these run the built bin under `script`.
  const terminalCli = useBuiltCli();
  /** Select Graphic Rendition: the colour and bold codes; the spinner's cursor codes are not SGR. */
  const SGR = /\u001b\[[0-9;]*m/;
  const HIDE_CURSOR = "\u001b[?25l";

  async function twoFiles(): Promise<string> {
    const dir = await tempDir();
    await writeSafetensors(join(dir, "one.safetensors"), TENSORS);
    await dangerousZip(join(dir, "two.ckpt"));
    return dir;
  }

  it("colours the verdicts and shows a spinner on stderr, then clears it", async () => {
    const run = await terminalCli(["inspect", await twoFiles()], { ttyColumns: 100, env: { NO_COLOR: undefined } });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("\u001b[31mdangerous\u001b[39m");
    expect(run.stdout).toContain("\u001b[32msafe\u001b[39m");
    expect(run.stdout).toContain(HIDE_CURSOR);
  });

  it("honours NO_COLOR and --no-color on a terminal", async () => {
    const dir = await twoFiles();
    for (const [args, env] of [
      [["inspect", dir], { NO_COLOR: "1" }],
      [["inspect", dir, "--no-color"], { NO_COLOR: undefined }],
    ] as const) {
      const run = await terminalCli(args, { ttyColumns: 100, env });
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/safety\s+dangerous/);
      expect(run.stdout).not.toMatch(SGR);
    }
  });

  it("keeps --json pure on a terminal: no spinner, no colour", async () => {
    const run = await terminalCli(["inspect", await twoFiles(), "--json"], {
      ttyColumns: 100,
      env: { NO_COLOR: undefined },
    });
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain(HIDE_CURSOR);
    expect(run.stdout).not.toMatch(SGR);
    expect(parseReports(run.stdout.replace(/\r\n/g, "\n"))).toHaveLength(2);
  });

  it("does not spin forever on a terminal that reports zero columns", async () => {
    const run = await terminalCli(["inspect", await twoFiles()], { ttyColumns: 0 });
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain(HIDE_CURSOR);
    expect(run.stdout).toMatch(/safety\s+dangerous/);
  });
});
