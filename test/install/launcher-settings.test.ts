import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import type { PlanEntry, WebuiTarget } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, classification, FORGE_MARKERS, modelFile, plan, SDNEXT_MARKERS, touch } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-launchers-");
const k = classification;

/** A WebUI tree from `markers` plus the given settings files, and a downloads folder beside it. */
async function webui(
  markers: readonly string[],
  files: Record<string, string>,
): Promise<{ root: string; downloads: string }> {
  const root = await tempDir();
  await touch(root, markers);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, ".."), { recursive: true });
    await writeFile(join(root, name), text);
  }
  return { root, downloads: await tempDir() };
}

/** The settings readings and warnings among a target's evidence, as the reader wrote them. */
const settingsTexts = (target: WebuiTarget) => target.evidence.flatMap((e) => ("text" in e ? [e.text] : []));
const destinations = (entries: PlanEntry[]) =>
  entries.map((e) => (e.action === "move" ? e.destination : `${e.action}`));

describe("A1111 / Forge COMMANDLINE_ARGS", () => {
  it("reads webui-user.sh as the shell leaves it and splits it as Python's shlex does", async () => {
    const store = await tempDir();
    const { root, downloads } = await webui(A1111_MARKERS, {
      "webui-user.sh": [
        "#!/bin/bash",
        '# Commandline arguments for webui.py, for example: export COMMANDLINE_ARGS="--medvram --opt-split-attention"',
        '#export COMMANDLINE_ARGS="--ckpt-dir /commented/out"',
        `STORE=${store}`,
        `export COMMANDLINE_ARGS="--xformers --ckpt-dir '$STORE/sd models' --lora-dir=$STORE/loras#1"`,
        `export COMMANDLINE_ARGS="$COMMANDLINE_ARGS --embeddings-dir \\"\${STORE}/emb\\"" # appended, with a comment`,
        "",
      ].join("\n"),
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "linux" });
    const sh = join(root, "webui-user.sh");
    expect(target.folders).toEqual({
      ckpt_dir: { name: "--ckpt-dir", path: join(store, "sd models"), file: sh, line: 6 },
      lora_dir: { name: "--lora-dir", path: join(store, "loras#1"), file: sh, line: 6 },
      embeddings_dir: { name: "--embeddings-dir", path: join(store, "emb"), file: sh, line: 6 },
    });
    const candidates = [
      await modelFile(join(downloads, "c.safetensors"), k("checkpoint")),
      await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 }),
      await modelFile(join(downloads, "e.safetensors"), k("embedding"), { dim: 66 }),
      await modelFile(join(downloads, "v.safetensors"), k("vae"), { dim: 67 }),
    ];
    expect(destinations((await plan(candidates, target)).entries)).toEqual([
      join(store, "sd models/c.safetensors"),
      join(store, "loras#1/l.safetensors"),
      join(store, "emb/e.safetensors"),
      join(root, "models/VAE/v.safetensors"),
    ]);
  });

  it("line numbers follow the winning assignment; an unexported or computed value is reported, unused", async () => {
    const { root } = await webui(A1111_MARKERS, {
      "webui-user.sh": ['COMMANDLINE_ARGS="--lora-dir /never/exported"', 'export OTHER="$(whoami)"', ""].join("\n"),
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "linux" });
    expect(target.folders).toEqual({});
    expect(target.evidence).toContainEqual({
      type: "settings-warning",
      text:
        `${join(root, "webui-user.sh")}:1: COMMANDLINE_ARGS is set but never exported, ` +
        `so the WebUI does not see it`,
    });

    const { root: r2 } = await webui(A1111_MARKERS, { "webui-user.sh": 'export COMMANDLINE_ARGS="$(cat args.txt)"\n' });
    const t2 = await resolveWebui({ webui: r2, env: {}, cwd: "/", platform: "linux" });
    expect(settingsTexts(t2).join("\n")).toContain(
      "webui-user.sh:1: COMMANDLINE_ARGS uses command substitution $(…), which sdmodels does not run",
    );
  });

  it("reads webui-user.bat: set, %~dp0, %VAR%, ^ continuations, rem, quoted paths as Python keeps them", async () => {
    const { root } = await webui(A1111_MARKERS, {
      "webui-user.bat": [
        "@echo off",
        "",
        "set PYTHON=",
        "set GIT=",
        "set VENV_DIR=",
        "rem set COMMANDLINE_ARGS=--ckpt-dir D:\\old",
        "set MODELS=%~dp0..\\shared",
        'set COMMANDLINE_ARGS=--xformers --ckpt-dir "%MODELS%\\Stable-diffusion" ^',
        " --lora-dir \"E:\\AI\\Lora files\" --vae-dir 'E:\\AI\\VAE'",
        "",
        "call webui.bat",
      ].join("\r\n"),
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "win32" });
    const bat = join(root, "webui-user.bat");
    expect(target.folders).toEqual({
      ckpt_dir: {
        name: "--ckpt-dir",
        path: resolve(root, `${root}\\..\\shared\\Stable-diffusion`),
        file: bat,
        line: 8,
      },
      lora_dir: { name: "--lora-dir", path: resolve(root, "E:\\AI\\Lora files"), file: bat, line: 8 },
      vae_dir: { name: "--vae-dir", path: resolve(root, "E:\\AI\\VAE"), file: bat, line: 8 },
    });
  });

  it("refuses an unquoted Windows path: the WebUI itself reads D:\\models as D:models", async () => {
    const { root } = await webui(A1111_MARKERS, {
      "webui-user.bat": "@echo off\nset COMMANDLINE_ARGS=--api --ckpt-dir D:\\models\\sd\ncall webui.bat\n",
    });
    await expect(resolveWebui({ webui: root, env: {}, cwd: "/", platform: "win32" })).rejects.toMatchObject({
      code: "webui-settings-invalid",
      message: expect.stringMatching(/webui-user\.bat:2: --ckpt-dir reaches the WebUI as "D:modelssd".*Quote the path/),
    });
    const { root: r2 } = await webui(A1111_MARKERS, {
      "webui-user.sh": 'export COMMANDLINE_ARGS="--ckpt-dir \\"/m/unterminated"\n',
    });
    await expect(resolveWebui({ webui: r2, env: {}, cwd: "/", platform: "linux" })).rejects.toMatchObject({
      code: "webui-settings-invalid",
      message: expect.stringContaining(
        'webui-user.sh:1: COMMANDLINE_ARGS cannot be split (Python\'s shlex says "No closing quotation")',
      ),
    });
  });

  it("reads webui-macos-env.sh first on macOS only, then webui-user.sh on top of it", async () => {
    const files = {
      "webui-macos-env.sh": 'export COMMANDLINE_ARGS="--skip-torch-cuda-test --data-dir /mac/data"\n',
      "webui-user.sh": 'export COMMANDLINE_ARGS="$COMMANDLINE_ARGS --lora-dir /mac/loras"\n',
    };
    const { root } = await webui(A1111_MARKERS, files);
    const mac = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "darwin" });
    expect(mac).toMatchObject({
      dataDir: "/mac/data",
      modelsDir: "/mac/data/models",
      folders: { lora_dir: { path: "/mac/loras" } },
    });
    expect(mac.roots).toEqual([{ name: "--data-dir", path: "/mac/data", file: join(root, "webui-user.sh"), line: 1 }]);
    const linux = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "linux" });
    expect(linux).toMatchObject({ dataDir: root, folders: { lora_dir: { path: "/mac/loras" } } });
  });

  it("--models-dir moves the models folder; the user's environment is where COMMANDLINE_ARGS starts", async () => {
    const { root, downloads } = await webui(A1111_MARKERS, {
      "webui-user.sh": 'export COMMANDLINE_ARGS="$COMMANDLINE_ARGS --models-dir ../shared-models"\n',
    });
    const target = await resolveWebui({
      webui: root,
      env: { COMMANDLINE_ARGS: "--hypernetwork-dir /hn" },
      cwd: "/",
      platform: "linux",
    });
    expect(target.modelsDir).toBe(resolve(root, "../shared-models"));
    const entries = (await plan([await modelFile(join(downloads, "c.safetensors"), k("checkpoint"))], target)).entries;
    expect(destinations(entries)).toEqual([resolve(root, "../shared-models/Stable-diffusion/c.safetensors")]);
    expect(target.folders.hypernetwork_dir?.path).toBe("/hn");

    // Set only in the environment (webui-user.sh leaves it alone): no file to name.
    const { root: r2 } = await webui(A1111_MARKERS, {});
    const fromEnv = await resolveWebui({
      webui: r2,
      env: { COMMANDLINE_ARGS: "--lora-dir /env/l" },
      cwd: "/",
      platform: "linux",
    });
    expect(fromEnv.folders.lora_dir).toEqual({
      name: "--lora-dir",
      path: "/env/l",
      file: "environment variable COMMANDLINE_ARGS",
      line: 0,
    });
  });

  it("--forge-ref-a1111-home takes A1111's existing folders, not given flags; Neo's --*-dirs repeat", async () => {
    const a1111 = await tempDir();
    await touch(a1111, ["models/Stable-diffusion/", "models/VAE/", "models/Lora/", "embeddings/"]);
    const { root, downloads } = await webui(FORGE_MARKERS, {
      "webui-user.sh": `export COMMANDLINE_ARGS="--forge-ref-a1111-home ${a1111} --vae-dir /own/vae"\n`,
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/", platform: "linux" });
    expect(target.ui).toBe("forge");
    expect(target.folders.ckpt_dir).toMatchObject({
      name: "--forge-ref-a1111-home → --ckpt-dir",
      path: join(a1111, "models/Stable-diffusion"),
    });
    expect(target.folders.vae_dir).toMatchObject({ name: "--vae-dir", path: "/own/vae" });
    expect(target.folders.embeddings_dir?.path).toBe(join(a1111, "embeddings"));
    // Forge appends models/lora (lower case): on a case-sensitive disk that misses A1111's models/Lora, in Forge too.
    expect(target.folders.lora_dir).toBeUndefined();
    expect(settingsTexts(target).join("\n")).toContain(
      `--lora-dir from --forge-ref-a1111-home skipped: ${join(a1111, "models/lora")} does not exist`,
    );
    const entries = (await plan([await modelFile(join(downloads, "c.safetensors"), k("checkpoint"))], target)).entries;
    expect(destinations(entries)).toEqual([join(a1111, "models/Stable-diffusion/c.safetensors")]);

    const { root: neo } = await webui(FORGE_MARKERS, {
      "webui-user.sh":
        'export COMMANDLINE_ARGS="--ckpt-dirs /m/one --lora-dirs=/m/l1 --ckpt-dirs /m/two --text-encoder-dirs /m/te"\n',
    });
    const neoTarget = await resolveWebui({ webui: neo, env: {}, cwd: "/", platform: "linux" });
    expect(neoTarget.folders).toMatchObject({
      ckpt_dir: { name: "--ckpt-dirs", path: "/m/one" },
      lora_dir: { name: "--lora-dirs", path: "/m/l1" },
      text_encoder_dir: { path: "/m/te" },
    });
  });
});

describe("SD.Next config.json", () => {
  it("installs into the folders config.json names: relative ones under SD.Next, others under models_dir", async () => {
    const store = await tempDir();
    const { root, downloads } = await webui(SDNEXT_MARKERS, {
      "config.json": JSON.stringify(
        {
          sd_model_checkpoint: "x",
          models_dir: join(store, "models"),
          ckpt_dir: join(store, "checkpoints"),
          lora_dir: "loras-here",
          control_dir: "",
          samples_format: "png",
        },
        null,
        4,
      ),
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    expect(target.folders.ckpt_dir).toEqual({
      name: "ckpt_dir",
      path: join(store, "checkpoints"),
      file: join(root, "config.json"),
      line: 4,
    });
    expect(target.roots).toEqual([
      { name: "models_dir", path: join(store, "models"), file: join(root, "config.json"), line: 3 },
    ]);
    const candidates = [
      await modelFile(join(downloads, "c.safetensors"), k("checkpoint")),
      await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 }),
      await modelFile(join(downloads, "v.safetensors"), k("vae"), { dim: 66 }),
      await modelFile(join(downloads, "cn.safetensors"), k("controlnet"), { dim: 67 }),
    ];
    expect(destinations((await plan(candidates, target)).entries)).toEqual([
      join(store, "checkpoints/c.safetensors"),
      join(root, "loras-here/l.safetensors"),
      join(store, "models/VAE/v.safetensors"),
      join(store, "models/control/controlnet/cn.safetensors"),
    ]);
  });

  it("names the file and line of a config.json that does not parse", async () => {
    const { root } = await webui(SDNEXT_MARKERS, { "config.json": '{\n  "ckpt_dir": "a",\n  "lora_dir": "b",\n}\n' });
    await expect(resolveWebui({ webui: root, env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-settings-invalid",
      message: expect.stringContaining(`${join(root, "config.json")}:4: not valid JSON`),
    });
  });
});

describe("Stability Matrix shared library", () => {
  it("is detected from its data folder and fills Models/<SharedFolderType>", async () => {
    const { root, downloads } = await webui(
      ["Models/StableDiffusion/", "Models/Lora/", "Packages/stable-diffusion-webui/"],
      {
        "settings.json": JSON.stringify({ Version: 1, InstalledPackages: [], ModelDirectoryOverride: null }, null, 2),
      },
    );
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    expect(target).toMatchObject({ ui: "stabilitymatrix", modelsDir: join(root, "Models") });
    const candidates = [
      await modelFile(join(downloads, "c.safetensors"), k("checkpoint")),
      await modelFile(join(downloads, "l.safetensors"), k("lora", { algorithm: "locon" }), { dim: 65 }),
      await modelFile(join(downloads, "u.safetensors"), k("diffusion-model", { base: "flux" }), { dim: 66 }),
      await modelFile(join(downloads, "t.safetensors"), k("text-encoder"), { dim: 67 }),
      await modelFile(join(downloads, "up.pth"), k("upscaler", { architecture: "realesrgan" }), {
        format: "torch-zip",
      }),
    ];
    expect(destinations((await plan(candidates, target)).entries)).toEqual([
      join(root, "Models/StableDiffusion/c.safetensors"),
      join(root, "Models/Lora/l.safetensors"),
      join(root, "Models/DiffusionModels/u.safetensors"),
      join(root, "Models/TextEncoders/t.safetensors"),
      join(root, "Models/ESRGAN/up.pth"),
    ]);
    expect(destinations((await plan(candidates.slice(1, 2), target, { lycorisDir: true })).entries)).toEqual([
      join(root, "Models/LyCORIS/l.safetensors"),
    ]);
  });

  it("follows ModelDirectoryOverride, and finds the library in a portable app's Data/", async () => {
    const override = await tempDir();
    const app = await tempDir();
    await touch(app, ["StabilityMatrix.exe", "Data/.sm-portable", "Data/Models/", "Data/Packages/"]);
    await writeFile(
      join(app, "Data/settings.json"),
      `\uFEFF{\n  "Theme": "Dark",\n  "ModelDirectoryOverride": ${JSON.stringify(override)}\n}`,
    );
    const target = await resolveWebui({ webui: app, env: {}, cwd: "/" });
    expect(target).toMatchObject({ ui: "stabilitymatrix", root: join(app, "Data"), modelsDir: override });
    expect(target.evidence[0]).toMatchObject({ type: "portable-package", package: "stabilitymatrix-portable" });
    expect(target.roots[0]).toMatchObject({ name: "ModelDirectoryOverride", line: 3 });
  });
});

describe("SwarmUI Data/Settings.fds", () => {
  it("takes ModelRoot number DownloadToRootID and each type's first folder; absolute entries stand alone", async () => {
    const second = await tempDir();
    const loras = await tempDir();
    const { root, downloads } = await webui(["src/SwarmUI.csproj", "launch-linux.sh"], {
      "Data/Settings.fds": [
        "# SwarmUI settings",
        "Paths:",
        "    # Root path for model files.",
        `    ModelRoot: Models;${second}`,
        "    DownloadToRootID: 1",
        "    SDModelFolder: checkpoints;Stable-Diffusion",
        `\tSDLoraFolder: ${loras}`,
        "Network:",
        "    Port: 7801",
        "IsInstalled: true",
        "",
      ].join("\n"),
    });
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    expect(target.ui).toBe("swarmui");
    const fds = join(root, "Data/Settings.fds");
    expect(target.roots).toEqual([{ name: "Paths.ModelRoot", path: second, file: fds, line: 4 }]);
    expect(target.folders.SDLoraFolder).toEqual({ name: "Paths.SDLoraFolder", path: loras, file: fds, line: 7 });
    const candidates = [
      await modelFile(join(downloads, "c.safetensors"), k("checkpoint")),
      await modelFile(join(downloads, "l.safetensors"), k("lora"), { dim: 65 }),
      await modelFile(join(downloads, "v.safetensors"), k("vae"), { dim: 66 }),
      await modelFile(join(downloads, "u.safetensors"), k("diffusion-model"), { dim: 67 }),
    ];
    expect(destinations((await plan(candidates, target)).entries)).toEqual([
      join(second, "checkpoints/c.safetensors"),
      join(loras, "l.safetensors"),
      join(second, "VAE/v.safetensors"),
      join(second, "diffusion_models/u.safetensors"),
    ]);
  });

  it("uses Models/ without a settings file, and names the line of a malformed one", async () => {
    const { root } = await webui(["src/SwarmUI.csproj"], {});
    expect((await resolveWebui({ webui: root, env: {}, cwd: "/" })).modelsDir).toBe(join(root, "Models"));
    const { root: bad } = await webui(["src/SwarmUI.csproj"], {
      "Data/Settings.fds": "Paths:\n    ModelRoot: Models\n        Oops: 1\n",
    });
    await expect(resolveWebui({ webui: bad, env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-settings-invalid",
      message: expect.stringContaining("Settings.fds:3:"),
    });
  });
});

describe("Fooocus config.txt", () => {
  it("installs into configured folders that exist, and into the default where Fooocus would fall back", async () => {
    const ckpts = await tempDir();
    const { root, downloads } = await webui(["entry_with_update.py", "launch.py", "emb/"], {
      "config.txt": JSON.stringify(
        { path_checkpoints: [ckpts, "/second"], path_loras: "/does/not/exist", path_embeddings: "emb" },
        null,
        4,
      ),
    });
    // A list is used only when every folder in it exists: /second does not.
    await expect(
      resolveWebui({ webui: root, env: {}, cwd: "/" }).then((t) => t.folders.path_checkpoints),
    ).resolves.toBeUndefined();
    await writeFile(
      join(root, "config.txt"),
      JSON.stringify({ path_checkpoints: [ckpts], path_loras: "/does/not/exist", path_embeddings: "emb" }, null, 4),
    );
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    expect(target.ui).toBe("fooocus");
    expect(settingsTexts(target).join("\n")).toContain(
      "config.txt:5: path_loras names /does/not/exist, which is not a folder",
    );
    const candidates = [
      await modelFile(join(downloads, "c.safetensors"), k("checkpoint", { base: "sdxl" })),
      await modelFile(join(downloads, "l.safetensors"), k("lora", { base: "sdxl" }), { dim: 65 }),
      await modelFile(join(downloads, "e.safetensors"), k("embedding", { base: "sdxl" }), { dim: 66 }),
    ];
    expect(destinations((await plan(candidates, target)).entries)).toEqual([
      join(ckpts, "c.safetensors"),
      join(root, "models/loras/l.safetensors"),
      join(root, "emb/e.safetensors"),
    ]);
  });
});
