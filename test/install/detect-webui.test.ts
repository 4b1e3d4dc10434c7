import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectWebui, findWebuiUpwards } from "../../src/install/detect-webui.js";
import { isInsideWebui } from "../../src/install/is-inside-webui.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, COMFY_MARKERS, FORGE_MARKERS, SDNEXT_MARKERS, touch } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-detect-");

async function tree(markers: readonly string[]): Promise<string> {
  const root = await tempDir();
  await touch(root, markers);
  return root;
}

describe("detectWebui", () => {
  it.each([
    ["a1111", A1111_MARKERS],
    ["forge", FORGE_MARKERS],
    ["sdnext", SDNEXT_MARKERS],
    ["comfyui", COMFY_MARKERS],
    ["invokeai", ["invokeai.yaml", "databases/"]],
    ["swarmui", ["src/SwarmUI.csproj", "launch-linux.sh"]],
    ["fooocus", ["entry_with_update.py", "launch.py", "models/checkpoints/put_checkpoints_here"]],
  ])("recognises %s from its marker files, with evidence", async (ui, markers) => {
    const detection = await detectWebui(await tree(markers));
    expect(detection?.ui).toBe(ui);
    expect(detection?.shape).toBe("install");
    expect(detection?.evidence).toEqual([{ type: "markers", ui, markers: expect.any(Array) }]);
  });

  it("tells Forge from A1111 by modules_forge/ even though Forge carries every A1111 marker", async () => {
    expect((await detectWebui(await tree(A1111_MARKERS)))?.ui).toBe("a1111");
    const forge = await detectWebui(await tree([...A1111_MARKERS, "modules_forge/"]));
    expect(forge?.ui).toBe("forge");
    expect(forge?.evidence[0]).toMatchObject({ type: "markers", markers: expect.arrayContaining(["modules_forge/"]) });
  });

  it("wants a folder where a marker is a folder", async () => {
    expect(await detectWebui(await tree(["main.py", "folder_paths.py", "comfy"]))).toBeNull();
  });

  it("finds ComfyUI inside a Windows portable package", async () => {
    const root = await tree([...COMFY_MARKERS.map((m) => `ComfyUI/${m}`), "python_embeded/"]);
    const detection = await detectWebui(root);
    expect(detection).toMatchObject({ ui: "comfyui", root: join(root, "ComfyUI") });
    expect(detection?.evidence[0]).toEqual({
      type: "portable-package",
      package: "comfyui-portable",
      inner: "ComfyUI",
      beside: "python_embeded/",
    });
  });

  it("recognises bare models folders of either style and refuses a folder holding both", async () => {
    expect(await detectWebui(await tree(["Stable-diffusion/", "VAE/"]))).toMatchObject({
      ui: "a1111",
      shape: "models-dir",
    });
    expect(await detectWebui(await tree(["loras/"]))).toMatchObject({ ui: "comfyui", shape: "models-dir" });
    expect(await detectWebui(await tree(["VAE/"]))).toBeNull();
    await expect(detectWebui(await tree(["Lora/", "checkpoints/"]))).rejects.toMatchObject({ code: "webui-ambiguous" });
  });

  it("finds Fooocus in its Windows portable package, and a portable Stability Matrix's library in Data/", async () => {
    const fooocus = await tree(["Fooocus/entry_with_update.py", "Fooocus/launch.py", "python_embeded/", "run.bat"]);
    expect(await detectWebui(fooocus)).toMatchObject({ ui: "fooocus", root: join(fooocus, "Fooocus") });
    const sm = await tree(["StabilityMatrix.exe", "Data/.sm-portable", "Data/Models/", "Data/Packages/"]);
    expect(await detectWebui(sm)).toMatchObject({ ui: "stabilitymatrix", root: join(sm, "Data") });
  });

  it("walks up to the nearest WebUI, but takes a bare models folder only where it starts", async () => {
    const root = await tree([...A1111_MARKERS, "models/Lora/sdxl/"]);
    expect(await findWebuiUpwards(join(root, "models/Lora/sdxl"))).toMatchObject({
      ui: "a1111",
      root,
      shape: "install",
    });
    // models/ looks like a bare A1111 models folder (Stable-diffusion/, Lora/), but the install above it wins.
    expect(await findWebuiUpwards(join(root, "models"))).toMatchObject({ root, shape: "install" });
    const bare = await tree(["Stable-diffusion/", "Lora/", "sub/"]);
    expect(await findWebuiUpwards(bare)).toMatchObject({ shape: "models-dir", root: bare });
    expect(await findWebuiUpwards(join(bare, "sub"))).toBeNull();
  });

  it("returns null for an ordinary folder", async () => {
    expect(await detectWebui(await tree(["notes.txt", "photos/"]))).toBeNull();
  });
});

describe("resolveWebui", () => {
  it("prefers --webui, then SDMODELS_WEBUI, then the current folder", async () => {
    const a = await tree(A1111_MARKERS);
    const c = await tree(COMFY_MARKERS);
    const f = await tree(FORGE_MARKERS);
    expect((await resolveWebui({ webui: a, env: { SDMODELS_WEBUI: c }, cwd: f })).root).toBe(a);
    expect((await resolveWebui({ env: { SDMODELS_WEBUI: c }, cwd: f })).ui).toBe("comfyui");
    const fromCwd = await resolveWebui({ env: { SDMODELS_WEBUI: "" }, cwd: f });
    expect(fromCwd).toMatchObject({ ui: "forge", root: f, modelsDir: join(f, "models"), dataDir: f });
    expect(fromCwd.evidence).toContainEqual({ type: "current-folder", dir: f, above: false });
  });

  it("resolves a relative --webui against cwd", async () => {
    const parent = await tempDir();
    await touch(join(parent, "webui"), A1111_MARKERS);
    expect((await resolveWebui({ webui: "webui", env: {}, cwd: parent })).root).toBe(join(parent, "webui"));
  });

  it("fails with a typed error when the current folder is no WebUI or a given folder is missing", async () => {
    const plain = await tree(["readme.txt"]);
    await expect(resolveWebui({ env: {}, cwd: plain })).rejects.toMatchObject({ code: "webui-not-found" });
    await expect(resolveWebui({ webui: plain, env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-not-found",
      message: expect.stringContaining("--ui"),
    });
    await expect(resolveWebui({ webui: join(plain, "nope"), env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-not-found",
    });
  });

  it("--ui on a folder that is no WebUI is refused unless --create says to make one there", async () => {
    const plain = await tree(["readme.txt"]);
    await expect(resolveWebui({ webui: plain, ui: "comfyui", env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-not-found",
      message: expect.stringContaining("--create"),
    });
    const created = await resolveWebui({ webui: plain, ui: "comfyui", create: true, env: {}, cwd: "/" });
    expect(created).toMatchObject({ ui: "comfyui", shape: "install", modelsDir: join(plain, "models") });
    expect(created.evidence.slice(0, 2)).toEqual([
      { type: "ui-given", ui: "comfyui", by: "flag" },
      { type: "create", dir: plain, ui: "comfyui" },
    ]);
    // A folder that does not exist yet is fine with --create (nothing is made until files are installed), not without.
    const missing = join(plain, "new-webui");
    expect((await resolveWebui({ webui: missing, ui: "forge", create: true, env: {}, cwd: "/" })).modelsDir).toBe(
      join(missing, "models"),
    );
    await expect(resolveWebui({ webui: missing, ui: "forge", env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-not-found",
    });
  });

  it("--ui forces the UI for a folder detection places differently", async () => {
    const a = await tree(A1111_MARKERS);
    const forced = await resolveWebui({ webui: a, ui: "forge", env: {}, cwd: "/" });
    expect(forced.ui).toBe("forge");
    expect(forced.evidence[1]).toMatchObject({ type: "also-detected", evidence: { type: "markers", ui: "a1111" } });
  });

  it("refuses InvokeAI, whose store is managed, unless --ui forces a layout", async () => {
    const invoke = await tree(["invokeai.yaml"]);
    await expect(resolveWebui({ webui: invoke, env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "webui-unsupported",
      message: expect.stringContaining("Model Manager"),
    });
  });
});

describe("isInsideWebui", () => {
  it("is true for the WebUI, its folders and extra model folders, false for siblings and parents", async () => {
    const root = await tree(COMFY_MARKERS);
    const target = {
      ...(await resolveWebui({ webui: root, env: {}, cwd: "/" })),
      extraFolders: { loras: ["/srv/shared/loras"] },
    };
    expect(isInsideWebui(root, target)).toBe(true);
    expect(isInsideWebui(join(root, "models/loras/x"), target)).toBe(true);
    expect(isInsideWebui("/srv/shared/loras/sub", target)).toBe(true);
    expect(isInsideWebui("/srv/shared", target)).toBe(false);
    expect(isInsideWebui(join(root, ".."), target)).toBe(false);
    expect(isInsideWebui(`${root}-downloads`, target)).toBe(false);
  });
});
