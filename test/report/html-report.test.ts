import { execFile, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMessyWebui } from "../../fixtures/messy-webui.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { generationPng, pngBomb } from "../../fixtures/preview-images.js";
import { previewPng } from "../../fixtures/preview-png.js";
import { writeSafetensors } from "../../fixtures/safetensors-writer.js";
import { scriptSafeJson } from "../../src/cli/report/html/render-html.js";
import { runCli } from "../cli/run-cli.js";
import { useTempDirs } from "../helpers.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-html-");
const run = promisify(execFile);

/** Debian's package is `chromium`; `.ci/run` installs it when missing. */
const CHROMIUM = ["chromium", "chromium-browser"].find(
  (b) => spawnSync(b, ["--version"], { stdio: "ignore" }).status === 0,
);
/** Screenshots land here for a person to look at (gitignored). */
const OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));

/** The payload an attacker puts in a file name and in `__metadata__`: it must stay text. */
const HOSTILE = `<img src=x onerror="document.title='pwned'">`;
const HOSTILE_SCRIPT = `</script><script>document.title='pwned'</script>`;

async function chromium(args: string[], profile: string): Promise<string> {
  const { stdout } = await run(
    CHROMIUM!,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=5000",
      ...args,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout;
}

/**
 * The audit report of a messy A1111 tree plus a LoRA whose name and metadata carry HTML, with a real preview image.
 * Written once for the file (a tree of sparse checkpoints, then an audit of it): the tests only read the report.
 */
let hostile: { html: string; file: string };
let hostileBase = "";
beforeAll(async () => {
  hostile = await writeHostileReport();
}, 120_000);
afterAll(async () => {
  if (hostileBase) await rm(hostileBase, { recursive: true, force: true });
});

async function writeHostileReport(): Promise<{ html: string; file: string }> {
  hostileBase = await mkdtemp(join(tmpdir(), "sdmodels-html-hostile-"));
  const tree = await writeMessyWebui(join(hostileBase, "webui"), "a1111");
  const lora = fixtureById("sdxl-lora-kohya");
  const tensors = lora.tensors.map((t) => ({ name: t.path.join("."), shape: t.shape, dtype: t.dtype }));
  const hostileName = `${HOSTILE}.safetensors`;
  await writeSafetensors(join(tree.root, "models/Stable-diffusion", hostileName), tensors, {
    metadata: { ss_output_name: HOSTILE_SCRIPT, "modelspec.title": HOSTILE },
  });
  await writeFile(join(tree.root, "models/Stable-diffusion", `${HOSTILE}.preview.png`), previewPng(96, 96, 0xff8040));
  await writeFile(join(tree.root, "models/Lora/lycoris_style.preview.png"), generationPng(512, 768, 0x40a0ff));
  await writeFile(join(tree.root, "models/Lora/easynegative.preview.png"), pngBomb(50_000, 50_000));
  const file = join(hostileBase, "report.html");
  const audit = await cli(["audit", "--webui", tree.root, "--report", file], {
    env: { SDMODELS_STATE_DIR: join(hostileBase, "state") },
  });
  expect(audit.stderr).toContain(`report written to ${file}`);
  return { html: await readFile(file, "utf8"), file };
}

/** A fresh Chromium profile for one test. */
const freshProfile = async () => join(await tempDir(), "chromium-profile");

describe("HTML report", () => {
  it("keeps data inert inside its JSON script block", () => {
    const json = scriptSafeJson({ name: HOSTILE_SCRIPT, other: "a & b > c \u2028" });
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual({ name: HOSTILE_SCRIPT, other: "a & b > c \u2028" });
  });

  it("is one self-contained file: no URL but data: images, strict CSP, hostile text only as escaped JSON", async () => {
    const { html } = hostile;
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src data:; style-src &#39;sha256-[^"]+; script-src &#39;sha256-/,
    );
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:|\/\/)/i);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain("</script><script>document");
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  describe.skipIf(CHROMIUM === undefined)("in headless Chromium", () => {
    it("renders a card per file, problems first, with previews, and no hostile string runs", async () => {
      const { file } = hostile;
      const dom = await chromium(["--dump-dom", pathToFileURL(file).href], await freshProfile());
      // Had the page parsed the payload as HTML, the title would read "pwned" and an <img src="x"> would exist.
      expect(dom).toContain("<title>sdmodels audit</title>");
      expect(dom).not.toMatch(/<img[^>]+src="x"/);
      expect(dom).toContain(
        `<div class="name">${HOSTILE.replace(/</g, "&lt;").replace(/>/g, "&gt;")}.safetensors</div>`,
      );
      expect(dom).toContain(`<dd>${HOSTILE_SCRIPT.replace(/</g, "&lt;").replace(/>/g, "&gt;")}</dd>`);
      const cards = [...dom.matchAll(/<article class="card (\w+)"[^>]*data-verdict="(\w+)"[^>]*>/g)];
      expect(cards.length).toBeGreaterThanOrEqual(14);
      expect(cards[0]![1]).toBe("dangerous");
      // The 512×768 generation arrives as a JPEG thumbnail; the bomb's card says why it has none.
      expect(dom).toMatch(/<img class="thumb" alt="preview" src="data:image\/jpeg;base64,/);
      expect(dom).toContain(
        '<div class="thumb omitted">easynegative.preview.png declares 50000×50000 pixels, ' +
          "over the 33.6 MP decoding limit</div>",
      );
      expect(dom).toMatch(/\d+ of \d+ shown/);
    });

    it("filters by verdict and kind from the controls' state in the address", async () => {
      const { file } = hostile;
      const browser = await freshProfile();
      const dangerous = await chromium(["--dump-dom", `${pathToFileURL(file).href}#verdict=dangerous`], browser);
      const visible = [...dangerous.matchAll(/<article class="card[^"]*"([^>]*)>/g)].filter(
        (m) => !m[1]!.includes("hidden"),
      );
      expect(visible).toHaveLength(1);
      expect(visible[0]![1]).toContain('data-verdict="dangerous"');
      expect(dangerous).toMatch(/1 of \d+ shown/);
      const loras = await chromium(["--dump-dom", `${pathToFileURL(file).href}#kind=lora&problem=no`], browser);
      const shown = [...loras.matchAll(/<article class="card[^"]*"([^>]*)>/g)].filter((m) => !m[1]!.includes("hidden"));
      expect(shown.length).toBeGreaterThan(0);
      for (const m of shown) expect(m[1]).toMatch(/data-kind="lora".*data-problem="no"/);
    });

    it("sort --report shows where each file goes and why the others stay", async () => {
      const base = await tempDir();
      const tree = await writeMessyWebui(join(base, "webui"), "a1111");
      const downloads = join(base, "downloads");
      await mkdir(downloads);
      const lora = fixtureById("sdxl-lora-kohya");
      await writeSafetensors(
        join(downloads, "detail.safetensors"),
        lora.tensors.map((t) => ({ name: t.path.join("."), shape: t.shape, dtype: t.dtype })),
      );
      await writeFile(join(downloads, "login.safetensors"), "<html><title>Sign in</title></html>");
      const file = join(base, "sort.html");
      await cli(["sort", downloads, "--webui", tree.root, "--dry-run", "--report", file], {
        env: { SDMODELS_STATE_DIR: join(base, "state") },
      });
      const dom = await chromium(["--dump-dom", pathToFileURL(file).href], join(base, "profile"));
      expect(dom).toContain("<title>sdmodels sort</title>");
      expect(dom).toMatch(
        /<div class="name">login\.safetensors<\/div>[\s\S]*?<dt>stays<\/dt><dd>unreadable: error-page<\/dd>/,
      );
      expect(dom).toMatch(
        /<div class="name">detail\.safetensors<\/div>[\s\S]*?<dt>goes to<\/dt><dd>models\/Lora\/detail\.safetensors<\/dd>/,
      );
    });

    it("inspect --report lists every file walked, dangerous first", async () => {
      const base = await tempDir();
      const tree = await writeMessyWebui(join(base, "webui"), "a1111");
      const file = join(base, "inspect.html");
      const inspect = await cli(["inspect", join(tree.root, "models"), "--report", file]);
      expect(inspect.code).toBe(3);
      const dom = await chromium(["--dump-dom", pathToFileURL(file).href], join(base, "profile"));
      expect(dom).toContain("<title>sdmodels inspect</title>");
      const cards = [...dom.matchAll(/<article class="card (\w+)"/g)].map((m) => m[1]);
      expect(cards[0]).toBe("dangerous");
      // Every model file under models/ (embeddings/ lies outside it): 12 of the tree's 13.
      expect(cards.length).toBe(12);
    });

    it("takes light and dark screenshots for a person to look at", async () => {
      const { file } = hostile;
      const browser = await freshProfile();
      await mkdir(OUTPUT, { recursive: true });
      for (const [name, extra] of [
        ["audit-report-light.png", []],
        ["audit-report-dark.png", ["--force-dark-mode"]],
      ] as const) {
        const shot = join(OUTPUT, name);
        await chromium(
          [...extra, "--hide-scrollbars", "--window-size=1200,1500", `--screenshot=${shot}`, pathToFileURL(file).href],
          browser,
        );
        const png = await readFile(shot);
        expect(png.subarray(1, 4).toString()).toBe("PNG");
        expect(png.length).toBeGreaterThan(20_000);
      }
    });
  });
});
