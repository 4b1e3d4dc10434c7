import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HOSTILE_SAMPLE, SAMPLES } from "../../fixtures/make-samples.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { runNode } from "./run-node.js";

const checkout = useBuiltCheckout();

const kept: string[] = [];
afterEach(async () => {
  await Promise.all(kept.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * Everything the demo puts in Downloads: the committed samples, the hostile pickle it writes at run time, and the
 * sparse models it writes from the catalog.
 */
const DOWNLOADS = [
  ...SAMPLES.map((s) => s.fileName),
  HOSTILE_SAMPLE.fileName,
  "ponyDiffusionV6XL_v6StartWithThisOne.safetensors",
  "v1-5-pruned.ckpt",
  "sd-v1-4-full-ema.ckpt",
  "sd_xl_base_1.0.safetensors",
  "shinkai_makoto_offset.safetensors",
  "sdxl_vae.safetensors",
  "control_v11p_sd15_canny.pth",
  "RealESRGAN_x4plus.pth",
  "anime_style_hn.pt",
  "resnet50-0676ba61.pth",
].sort();

/** The files of a tree, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

async function runDemo(args: string[] = []) {
  const run = await runNode(join(checkout(), "dist/fixtures/demo.js"), args, { cwd: checkout() });
  const tree = /^Demo tree (?:kept in )?(\S+)/m.exec(run.stdout)?.[1];
  if (tree !== undefined && args.includes("--keep")) kept.push(tree);
  return { ...run, tree };
}

/** The summary row of `file` in the inspect table: name, format, kind, base, verdict. */
function summaryRow(stdout: string, file: string): string[] {
  const row = stdout.split("\n").find((line) => line.startsWith(`${file} `));
  expect(row, `no summary row for ${file}`).toBeDefined();
  return row!.trim().split(/\s{2,}/);
}

describe("npm run demo", () => {
  it("inspects and dry-run sorts a realistic Downloads folder, moving nothing; --keep keeps the tree", async () => {
    const run = await runDemo(["--keep"]);
    expect(run.stderr).not.toContain("demo failed");
    expect(run.code).toBe(0);
    expect(run.tree).toBeDefined();
    const tree = run.tree!;

    expect(run.stdout).toContain(`sdmodels demo in ${tree}`);
    expect(run.stdout).toContain("$ sdmodels inspect Downloads\n");
    expect(run.stdout).toContain("$ sdmodels sort Downloads --webui stable-diffusion-webui --dry-run\n");
    expect(summaryRow(run.stdout, "charturnerv2.ckpt")).toEqual([
      "charturnerv2.ckpt",
      "torch-zip",
      "embedding",
      "sd1",
      "dangerous",
    ]);
    expect(summaryRow(run.stdout, "sd_xl_base_1.0.safetensors")).toEqual([
      "sd_xl_base_1.0.safetensors",
      "safetensors",
      "lora",
      "sdxl",
      "safe",
    ]);
    expect(summaryRow(run.stdout, "ponyDiffusionV6XL_v6StartWithThisOne.safetensors").slice(2)).toEqual([
      "checkpoint",
      "sdxl",
      "safe",
    ]);
    expect(summaryRow(run.stdout, "sd-v1-4-full-ema.ckpt").slice(2)).toEqual(["checkpoint", "sd1", "suspicious"]);
    expect(summaryRow(run.stdout, "model.safetensors").at(-1)).toBe("suspicious, error-page");

    // The sort plan: the misleadingly named LoRA goes to models/Lora, the hostile embedding is refused.
    const sortOutput = run.stdout.slice(run.stdout.indexOf("$ sdmodels sort"));
    // The report groups files under their destination folder: a file's folder is the nearest heading above it.
    const sortLines = sortOutput.split("\n");
    const groupOf = (name: string) => {
      const at = sortLines.findIndex((line) => line.trimStart().startsWith(name));
      expect(at, `the sort plan names ${name}`).toBeGreaterThan(-1);
      return sortLines
        .slice(0, at)
        .reverse()
        .find((line) => /^ {2}\S/.test(line))
        ?.trim();
    };
    // webui-user.sh moves the LoRA folder: the report names the folder and the line that set it.
    expect(groupOf("sd_xl_base_1.0.safetensors")).toBe("LoRA-library/  (--lora-dir, webui-user.sh:8)");
    expect(groupOf("charturnerv2.ckpt")).toBe("left where they are:");
    const dangerousLine = sortLines.find((line) => line.trimStart().startsWith("charturnerv2.ckpt"));
    expect(dangerousLine).toMatch(/dangerous: imports posix\.system/);

    // inspect reports the hostile embedding with 3, sort refuses it with 9; the demo accepts both and says why.
    expect(run.stdout).toContain("(exit 3: some file is dangerous, as expected for this folder)");
    expect(run.stdout).toContain("(exit 9: some file was refused for safety, as expected for this folder)");
    expect(run.stdout).toContain(
      `Nothing was moved: Downloads/ still holds the same ${DOWNLOADS.length} files, same names and sizes.`,
    );
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(
      `Demo tree kept in ${tree} (remove it with: rm -r ${JSON.stringify(tree)})`,
    );

    // The README shows this very report: it must stay what the demo prints (the temp folder's name aside).
    const readme = await readFile(join(checkout(), "README.md"), "utf8");
    const shown = /```\n(\$ sdmodels sort Downloads[^`]*?dry run: nothing was changed)\n```/.exec(readme)?.[1];
    const printed = sortOutput.slice(
      0,
      sortOutput.indexOf("dry run: nothing was changed") + "dry run: nothing was changed".length,
    );
    const anyTemp = (text: string) => text.replace(/\/tmp\/sdmodels-demo-\w+/g, "/tmp/sdmodels-demo-…");
    expect(anyTemp(printed.replaceAll(tree, "/tmp/sdmodels-demo-x"))).toBe(
      anyTemp(shown ?? "(no sort block in README.md)"),
    );

    // Checked on disk as well, not only by the demo's own word.
    expect(await readdir(join(tree, "Downloads")).then((names) => names.sort())).toEqual(DOWNLOADS);
    expect((await stat(join(tree, "Downloads/ponyDiffusionV6XL_v6StartWithThisOne.safetensors"))).size).toBeGreaterThan(
      6_900_000_000,
    );
    expect(await filesUnder(join(tree, "stable-diffusion-webui"))).toEqual(
      [
        "launch.py",
        "models/Stable-diffusion/Put Stable Diffusion checkpoints here.txt",
        "modules/launch_utils.py",
        "webui-user.sh",
        "webui.py",
      ].sort(),
    );
  }, 120_000);

  it("removes its temp tree without --keep and says so on its last line", async () => {
    const run = await runDemo();
    expect(run.tree).toBeDefined();
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(`Demo tree ${run.tree} removed (run with --keep to keep it).`);
    await expect(stat(run.tree!)).rejects.toMatchObject({ code: "ENOENT" });
  }, 120_000);
});
