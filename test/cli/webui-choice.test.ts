import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch } from "../install/fake-webui.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-webui-");

const LORA = fixtureById("sd1-lora-kohya");

/** A kohya SD1 LoRA in `dir`, under its published name. */
async function lora(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeModelFixture(LORA, LORA.containers[0]!, dir);
  return join(dir, LORA.fileName);
}

/** A temp home with its own config folder and state folder, so the user's real config is never read or written. */
async function home() {
  const root = await tempDir();
  return {
    root,
    env: {
      SDMODELS_CONFIG_DIR: join(root, "config"),
      SDMODELS_STATE_DIR: join(root, "state"),
      SDMODELS_WEBUI: undefined,
    },
  };
}

describe("finding the WebUI", () => {
  it("walks up from the current folder and shows which COMMANDLINE_ARGS line moved its target folder", async () => {
    const { root, env } = await home();
    const webui = join(root, "webui");
    await touch(webui, [...A1111_MARKERS, "models/Lora/old/"]);
    await writeFile(
      join(webui, "webui-user.sh"),
      '#!/bin/bash\n#export COMMANDLINE_ARGS=""\nexport COMMANDLINE_ARGS="--xformers --lora-dir ../shared-loras"\n',
    );
    const file = await lora(join(root, "downloads"));

    const run = await cli(["install", file, "--dry-run"], {
      env: { ...env, COLUMNS: "200" },
      cwd: join(webui, "models/Lora/old"),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`using a folder above the current one ${webui}`);
    expect(run.stdout).toContain(`\n  ${join(root, "shared-loras")}/  (--lora-dir, webui-user.sh:3)\n`);

    const json = await cli(["install", file, "--dry-run", "--json"], { env, cwd: join(webui, "models") });
    const report = JSON.parse(json.stdout) as {
      webui: { root: string; folders: unknown[] };
      plan: { destination: string }[];
    };
    expect(report.webui.root).toBe(webui);
    expect(report.webui.folders).toEqual([
      { name: "--lora-dir", path: join(root, "shared-loras"), file: join(webui, "webui-user.sh"), line: 3 },
    ]);
    expect(report.plan[0]!.destination).toBe(join(root, "shared-loras", LORA.fileName));
  });

  it("remembers a WebUI with `config webui` in the config folder and uses it when nothing else names one", async () => {
    const { root, env } = await home();
    const webui = join(root, "webui");
    await touch(webui, A1111_MARKERS);
    const file = await lora(join(root, "downloads"));
    const elsewhere = join(root, "downloads");

    const none = await cli(["install", file, "--dry-run"], { env, cwd: elsewhere });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("sdmodels config webui");

    const set = await cli(["config", "webui", webui], { env, cwd: "/" });
    expect([set.code, set.stderr]).toEqual([0, ""]);
    expect(set.stdout).toContain(`remembered a1111 at ${webui}`);
    expect(JSON.parse(await readFile(join(root, "config/config.json"), "utf8"))).toEqual({ webui });

    const used = await cli(["install", file, "--dry-run", "--json"], { env, cwd: elsewhere });
    expect(used.code).toBe(0);
    const report = JSON.parse(used.stdout) as { webui: { root: string; evidence: string[] } };
    expect(report.webui.root).toBe(webui);
    expect(report.webui.evidence.join("\n")).toContain(`remembered in ${join(root, "config/config.json")}`);

    const shown = await cli(["config", "--json"], { env, cwd: "/" });
    expect(JSON.parse(shown.stdout)).toEqual({ file: join(root, "config/config.json"), webui, ui: null });

    const unset = await cli(["config", "webui", "--unset"], { env, cwd: "/" });
    expect(unset.code).toBe(0);
    expect((await cli(["install", file, "--dry-run"], { env, cwd: elsewhere })).code).toBe(1);
  });

  it("refuses to remember a folder that is no WebUI, and names a config file that does not parse", async () => {
    const { root, env } = await home();
    const plain = join(root, "plain");
    await mkdir(plain);
    const refused = await cli(["config", "webui", plain], { env, cwd: "/" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sdmodels: cannot tell which WebUI/);

    await mkdir(join(root, "config"));
    await writeFile(join(root, "config/config.json"), '{"webui": 3}');
    const broken = await cli(["config"], { env, cwd: "/" });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${join(root, "config/config.json")}: webui:`);
  });

  it("--ui on a folder that is no WebUI needs --create, and --create needs --ui", async () => {
    const { root, env } = await home();
    const target = join(root, "new-comfy");
    await mkdir(target);
    const file = await lora(join(root, "downloads"));

    const refused = await cli(["install", file, "--webui", target, "--ui", "comfyui"], { env, cwd: "/" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("add --create");
    expect(await filesUnder(target)).toEqual([]);

    const noUi = await cli(["install", file, "--webui", target, "--create"], { env, cwd: "/" });
    expect(noUi.code).toBe(1);
    expect(noUi.stderr).toContain("--create needs --ui");

    const created = await cli(["install", file, "--webui", target, "--ui", "comfyui", "--create"], { env, cwd: "/" });
    expect([created.code, created.stderr]).toEqual([0, ""]);
    expect(await filesUnder(target)).toContain(`models/loras/${LORA.fileName}`);
  });
});
