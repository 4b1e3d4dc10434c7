import { lstat, mkdir, readdir, rm, stat, symlink, truncate, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeHostileCkpt } from "../../fixtures/hostile-ckpt.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeSidecars } from "../../fixtures/sidecar-files.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { useTempDirs } from "../helpers.js";
import { treeListing, webuiAndDownloads } from "../install/fake-webui.js";
import { HAS_SCRIPT, runCli, useBuiltCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-sort-");

/** A downloads folder with a LoRA (+ preview), a checkpoint in a sub-folder, a dangerous pickle and an unknown file. */
async function setup() {
  const { root, webui, downloads, env } = await webuiAndDownloads(tempDir);
  await mkdir(join(downloads, "nested"));
  const lora = await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", downloads, "style.safetensors");
  await writeSidecars(downloads, ["style.preview.png"]);
  const checkpoint = await writeModelFixture(
    fixtureById("sdxl-checkpoint-sgm"),
    "safetensors",
    join(downloads, "nested"),
    "xl.safetensors",
  );
  const evil = await writeHostileCkpt(join(downloads, "evil.ckpt"));
  const unknown = await writeModelFixture(
    fixtureById("unknown-random-names"),
    "safetensors",
    downloads,
    "mystery.safetensors",
  );
  return { root, webui, downloads, lora, checkpoint, evil, unknown, env };
}

/**
 * Both trees: every file with size and mtime, every folder by name. sdmodels' own journal folder is left out (undo
 * keeps the record of what it reverted), and so are folder mtimes, which any move in or out changes.
 */
async function listing(...roots: string[]): Promise<string[]> {
  const all = await Promise.all(roots.map(treeListing));
  return all
    .flat()
    .filter((line) => !line.startsWith(".sdmodels"))
    .map((line) => line.replace(/\/ mtime=.*$/, "/"));
}

describe("sdmodels sort", () => {
  it("--dry-run --json plans every file and changes nothing", async () => {
    const s = await setup();
    const before = await listing(s.webui, s.downloads);
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run", "--json"], { env: s.env });
    expect(run.code).toBe(9); // the dangerous file is refused
    expect(await listing(s.webui, s.downloads)).toEqual(before);
    const report = JSON.parse(run.stdout);
    expect(report.webui).toEqual({
      root: s.webui,
      ui: "a1111",
      evidence: expect.arrayContaining([expect.stringContaining("a1111")]),
      folders: [],
      evidenceFacts: [{ type: "markers", ui: "a1111", markers: expect.any(Array) }],
    });
    expect(report.dryRun).toBe(true);
    expect(report.batchId).toBeNull();
    const byName = Object.fromEntries(report.plan.map((e: { source: string }) => [e.source, e]));
    expect(byName[s.lora]).toMatchObject({
      action: "move",
      destination: join(s.webui, "models/Lora/style.safetensors"),
      kind: "lora",
      base: "sd1",
      sidecars: [
        { source: join(s.downloads, "style.preview.png"), destination: join(s.webui, "models/Lora/style.preview.png") },
      ],
    });
    expect(byName[s.checkpoint]).toMatchObject({
      action: "move",
      destination: join(s.webui, "models/Stable-diffusion/xl.safetensors"),
      base: "sdxl",
    });
    expect(byName[s.evil]).toMatchObject({ action: "skip", verdict: "dangerous", reason: { code: "dangerous" } });
    expect(byName[s.unknown]).toMatchObject({ action: "skip", reason: { code: "unknown-kind" } });
    expect(report.summary).toEqual({
      files: 4,
      planned: 2,
      installed: 0,
      duplicates: 0,
      skipped: { dangerous: 1, "unknown-kind": 1 },
      conflicts: 0,
      bytes: expect.any(Number),
    });
  });

  it("prints the dry-run plan by destination folder, the files left where they are and why, one summary", async () => {
    const s = await setup();
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run"], { env: s.env, cwd: s.root });
    expect(run.code).toBe(9);
    expect(run.stderr).toBe(""); // the report says why each file stays; sort repeats none of it on stderr
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^a1111 at \S+ {2}\(.+\)$/);
    expect(lines[0]!.startsWith(`a1111 at ${s.webui}  (`)).toBe(true);
    expect(lines.slice(1, 3)).toEqual(["From downloads/ (4 model files):", ""]);
    const block = (header: string) => {
      const start = lines.indexOf(header);
      expect(start, `${header} is in the report`).toBeGreaterThan(0);
      const end = lines.findIndex((l, i) => i > start && !l.startsWith("    "));
      return lines.slice(start + 1, end).map((l) => l.trim().split(/\s{2,}/));
    };
    expect(block("  models/Stable-diffusion/")).toEqual([["nested/xl.safetensors", "checkpoint · sdxl"]]);
    expect(block("  models/Lora/")).toEqual([["style.safetensors", "lora · sd1", "with style.preview.png"]]);
    const left = block("  left where they are:");
    expect(left[0]).toEqual([
      "evil.ckpt",
      expect.stringMatching(
        /^dangerous: imports posix\.system( \(\+\d+ more findings?: sdmodels inspect downloads\/evil\.ckpt\))?$/,
      ),
    ]);
    expect(left[1]).toEqual(["mystery.safetensors", "not a Stable Diffusion model file sdmodels knows (unknown kind)"]);
    expect(run.stdout).toMatch(
      /^2 to install \(.*\) · 2 left where they are \(1 dangerous, 1 unknown\) · 0 duplicates · 0 conflicts$/m,
    );
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("dry run: nothing was changed");
  });

  it("names every file it leaves where it is on a line of its own, whatever is wrong with it", async () => {
    const s = await setup();
    await writeFile(
      join(s.downloads, "login.safetensors"),
      "<!DOCTYPE html><html><head><title>Sign in to download</title></head></html>",
    );
    await writeFile(join(s.downloads, "empty.ckpt"), "");
    const truncated = join(s.downloads, "cut.safetensors");
    await writeModelFixture(fixtureById("sd1-lora-kohya"), "safetensors", s.downloads, "cut.safetensors");
    await truncate(truncated, (await stat(truncated)).size - 100);
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run"], { env: s.env });
    const report = JSON.parse(
      (await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run", "--json"], { env: s.env })).stdout,
    );
    const skipped: string[] = report.plan
      .filter((e: { action: string }) => e.action === "skip")
      .map((e: { source: string }) => basename(e.source));
    expect(skipped.sort()).toEqual([
      "cut.safetensors",
      "empty.ckpt",
      "evil.ckpt",
      "login.safetensors",
      "mystery.safetensors",
    ]);
    const leftSection = run.stdout.slice(run.stdout.indexOf("left where they are:"));
    for (const name of skipped) {
      expect(leftSection.match(new RegExp(`^    ${name.replace(".", "\\.")}  `, "gm")), name).toHaveLength(1);
    }
    expect(run.stderr).toBe("");
    // A cut-off download says so in words; the JSON keeps the safetensors error code.
    expect(leftSection).toMatch(
      /^ {4}cut\.safetensors {2,}incomplete download: 100 bytes shorter than its header declares$/m,
    );
    expect(report.plan.find((e: { source: string }) => e.source === truncated)).toMatchObject({
      reason: { code: "unreadable", message: "unreadable: MetadataIncompleteBuffer" },
    });
  });

  it("fits a dry-run report to the terminal width without cutting a file name", async () => {
    const s = await setup();
    const long = `${"very-long-model-name-".repeat(4)}v2.safetensors`;
    await writeModelFixture(fixtureById("sd1-vae-diffusers"), "safetensors", s.downloads, long);
    const width = 60;
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run"], {
      env: { ...s.env, COLUMNS: String(width) },
    });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toContain(`    ${long}`); // on a line of its own, whole
    for (const line of lines)
      if ([...line].length > width) expect(line.trim(), "only an unbreakable file name overflows").toBe(long);
    expect(
      lines.some((l) => l.startsWith("      ") && l.includes("imports posix.system")),
      "a note that does not fit beside its file goes below it",
    ).toBe(true);
  });

  it("applies, then undo puts every file back (the trees equal the originals)", async () => {
    const s = await setup();
    const before = await listing(s.webui, s.downloads);
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--json"], { env: s.env });
    expect(run.code).toBe(9);
    const report = JSON.parse(run.stdout);
    expect(report.summary.installed).toBe(2);
    expect(report.results.map((r: { status: string }) => r.status)).toEqual(["done", "done"]);
    expect(await listing(s.webui, s.downloads)).not.toEqual(before);

    const undo = await cli(["undo", report.batchId, "--webui", s.webui, "--json"], { env: s.env });
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ batchId: report.batchId, refused: [] });
    expect(JSON.parse(undo.stdout).restored).toHaveLength(3); // two models and the preview
    expect(await listing(s.webui, s.downloads)).toEqual(before);
  });

  it("refuses to sort a folder inside the WebUI, and never walks into the WebUI inside the folder", async () => {
    const s = await setup();
    const inside = await cli(["sort", join(s.webui, "models"), "--webui", s.webui], { env: s.env });
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/^sdmodels: .*is inside the WebUI/);

    await writeModelFixture(
      fixtureById("sd1-vae-diffusers"),
      "safetensors",
      join(s.webui, "models/Lora"),
      "misplaced-vae.safetensors",
    );
    const outer = await cli(["sort", s.root, "--webui", s.webui, "--dry-run", "--json"], { env: s.env });
    const sources: string[] = JSON.parse(outer.stdout).plan.map((e: { source: string }) => e.source);
    expect(sources.some((p) => p.startsWith(s.webui))).toBe(false);
    expect(sources).toContain(s.lora);
  });
});

describe("sdmodels sort and sidecars", () => {
  it("names each sidecar left behind and why, in report and JSON; --strict refuses the model (exit 9)", async () => {
    const s = await setup();
    const home = join(s.root, "home");
    await mkdir(join(home, ".ssh"), { recursive: true });
    await writeFile(join(home, ".ssh/id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----");
    await rm(join(s.downloads, "style.preview.png"));
    await symlink(join(home, ".ssh/id_rsa"), join(s.downloads, "style.preview.png"));
    await writeFile(join(s.downloads, "nested/xl.yaml"), "model:\n  target: os.system\n");

    const json = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run", "--json"], { env: s.env });
    const byName = Object.fromEntries(JSON.parse(json.stdout).plan.map((e: { source: string }) => [e.source, e]));
    expect(byName[s.lora]).toMatchObject({
      action: "move",
      sidecars: [],
      sidecarsLeft: [
        { path: join(s.downloads, "style.preview.png"), reason: { type: "not-a-file", found: "symlink" } },
      ],
    });
    expect(byName[s.checkpoint].sidecarsLeft).toEqual([
      {
        path: join(s.downloads, "nested/xl.yaml"),
        reason: { type: "config-refused", problem: { type: "target", path: "model.target", target: "os.system" } },
      },
    ]);

    const human = await cli(["sort", s.downloads, "--webui", s.webui, "--dry-run"], { env: s.env });
    expect(human.stdout).toMatch(
      /style\.safetensors +lora · sd1 +left behind: style\.preview\.png \(not a regular file but a symbolic link\)$/m,
    );
    expect(human.stdout).toMatch(
      /left behind: xl\.yaml \(config target os\.system \(at model\.target\) is not one the WebUIs' own configs use\)$/m,
    );

    const strict = await cli(["sort", s.downloads, "--webui", s.webui, "--strict", "--json"], { env: s.env });
    expect(strict.code).toBe(9);
    const report = JSON.parse(strict.stdout);
    expect(
      report.plan
        .filter((e: { reason: { code: string } | null }) => e.reason?.code === "sidecar-refused")
        .map((e: { source: string }) => e.source)
        .sort(),
    ).toEqual([s.lora, s.checkpoint].sort());
    expect(report.summary.installed).toBe(0);
    expect(await readdir(join(s.webui, "models/Lora"))).toEqual([]);
  });
});

describe("sdmodels sort and symbolic links", () => {
  it("never walks a linked folder, into the WebUI or anywhere else, and leaves a linked model file", async () => {
    const s = await setup();
    const elsewhere = join(s.root, "elsewhere");
    await mkdir(elsewhere);
    const foreign = await writeModelFixture(
      fixtureById("sd1-vae-diffusers"),
      "safetensors",
      elsewhere,
      "foreign-vae.safetensors",
    );
    // A VAE that sits in the WebUI's LoRA folder: sorting it would move it out of models/Lora.
    const installed = await writeModelFixture(
      fixtureById("sd1-vae-diffusers"),
      "safetensors",
      join(s.webui, "models/Lora"),
      "misplaced-vae.safetensors",
    );
    await symlink(elsewhere, join(s.downloads, "from-elsewhere"));
    await symlink(join(s.webui, "models/Lora"), join(s.downloads, "into-webui"));
    await symlink(foreign, join(s.downloads, "linked-vae.safetensors"));

    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--json"], { env: s.env });
    const report = JSON.parse(run.stdout);
    const sources: string[] = report.plan.map((e: { source: string }) => e.source);
    expect(sources.filter((p) => p.includes("from-elsewhere") || p.includes("into-webui"))).toEqual([]);
    expect(
      report.plan.find((e: { source: string }) => e.source === join(s.downloads, "linked-vae.safetensors")),
    ).toMatchObject({
      action: "skip",
      reason: { code: "outside-sorted-folder", message: `really lies at ${foreign}, outside ${s.downloads}` },
    });
    expect(await stat(foreign).then((i) => i.isFile())).toBe(true);
    expect(await stat(installed).then((i) => i.isFile())).toBe(true);
    expect(report.summary.installed).toBe(2); // the LoRA and the checkpoint of the downloads folder itself
  });

  it("refuses a folder that is a link into the WebUI, judged by real paths", async () => {
    const s = await setup();
    await writeModelFixture(
      fixtureById("sd1-vae-diffusers"),
      "safetensors",
      join(s.webui, "models/Lora"),
      "misplaced-vae.safetensors",
    );
    const link = join(s.root, "looks-like-downloads");
    await symlink(join(s.webui, "models"), link);
    const before = await listing(s.webui);
    const run = await cli(["sort", link, "--webui", s.webui], { env: s.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sdmodels: .*is inside the WebUI/);
    expect(await listing(s.webui)).toEqual(before);
  });

  it("installs through a destination folder that is a link (Stability Matrix's shared library); undoes", async () => {
    const s = await setup();
    const shared = join(s.root, "shared/Lora");
    await mkdir(shared, { recursive: true });
    await rm(join(s.webui, "models/Lora"), { recursive: true });
    await symlink(shared, join(s.webui, "models/Lora"));
    const run = await cli(["sort", s.downloads, "--webui", s.webui, "--json"], { env: s.env });
    const report = JSON.parse(run.stdout);
    expect(report.plan.find((e: { source: string }) => e.source === s.lora)).toMatchObject({
      action: "move",
      destination: join(s.webui, "models/Lora/style.safetensors"),
    });
    expect((await readdir(shared)).sort()).toEqual(["style.preview.png", "style.safetensors"]);
    expect(await lstat(join(s.webui, "models/Lora")).then((i) => i.isSymbolicLink())).toBe(true);
    const undo = await cli(["undo", report.batchId, "--webui", s.webui, "--json"], { env: s.env });
    expect(JSON.parse(undo.stdout).refused).toEqual([]);
    expect(await readdir(shared)).toEqual([]);
  });
});

describe.skipIf(!HAS_SCRIPT)("sdmodels sort on a terminal", () => {
  // A real terminal needs a real process: these run the built bin under `script`.
  const terminalCli = useBuiltCli();
  /** Every control sequence (colour, the spinner's cursor moves) and the pty's carriage returns. */
  const plain = (text: string) =>
    text
      .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
      .replace(/\r\n/g, "\n")
      .replace(/^.*\r/gm, "");

  it("prints the same report as in a pipe of the same width, with colour only on the terminal", async () => {
    const s = await setup();
    const args = ["sort", s.downloads, "--webui", s.webui, "--dry-run"];
    const piped = await cli(args, { env: { ...s.env, COLUMNS: "100" } });
    const tty = await terminalCli(args, { env: { ...s.env, NO_COLOR: undefined }, ttyColumns: 100 });
    expect(piped.stdout).not.toMatch(/\u001b/);
    expect(tty.stdout).toContain("\u001b[31mdangerous: imports posix.system");
    expect(plain(tty.stdout).endsWith(piped.stdout)).toBe(true);
  });
});
