import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandModelPaths, walkModelFiles } from "../../src/inspect/walk.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

async function touch(root: string, ...paths: string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), "");
  }
}

describe("walkModelFiles", () => {
  it("finds every model extension, case-insensitively, recursively and in code-point order", async () => {
    const root = await tempDir();
    await touch(
      root,
      "b.safetensors",
      "a.CKPT",
      "Z.pt",
      "x.pth",
      "y.bin",
      "w.pkl",
      "v.gguf",
      "u.sft",
      "sub/c.safetensors",
      "B.safetensors",
    );
    await touch(root, "notes.txt", "model.safetensors.part", "preview.png", "model.json", "sub/readme.md");
    expect(await walkModelFiles(root)).toEqual(
      [
        "B.safetensors",
        "Z.pt",
        "a.CKPT",
        "b.safetensors",
        "sub/c.safetensors",
        "u.sft",
        "v.gguf",
        "w.pkl",
        "x.pth",
        "y.bin",
      ].map((p) => join(root, p)),
    );
  });

  it("skips hidden directories and files", async () => {
    const root = await tempDir();
    await touch(
      root,
      ".git/objects/pack.bin",
      ".cache/huggingface/model.safetensors",
      "._model.safetensors",
      "model.safetensors",
    );
    expect(await walkModelFiles(root)).toEqual([join(root, "model.safetensors")]);
  });

  it("follows symlinked directories once and survives link loops", async () => {
    const root = await tempDir();
    const shared = await tempDir();
    await touch(shared, "lora.safetensors");
    await touch(root, "a/model.safetensors");
    await symlink(shared, join(root, "linked"));
    await symlink(shared, join(root, "linked-again"));
    await symlink("..", join(root, "a/up"));
    await symlink(root, join(root, "a/self"));
    expect(await walkModelFiles(root)).toEqual([
      join(root, "a/model.safetensors"),
      join(root, "linked/lora.safetensors"),
    ]);
  });

  it("with followDirLinks false, never enters a linked folder, wherever it points; lists linked models", async () => {
    const root = await tempDir();
    const elsewhere = await tempDir();
    await touch(elsewhere, "lora.safetensors", "sub/vae.pt");
    await touch(root, "a/model.safetensors");
    await symlink(elsewhere, join(root, "linked"));
    await symlink(join(elsewhere, "sub"), join(root, "a/linked-sub"));
    await symlink(join(elsewhere, "lora.safetensors"), join(root, "linked-file.safetensors"));
    const asked: string[] = [];
    const skipDir = (dir: string) => {
      asked.push(dir);
      return false;
    };
    const found = await walkModelFiles(root, { followDirLinks: false, skipDir });
    expect(found).toEqual([join(root, "a/model.safetensors"), join(root, "linked-file.safetensors")]);
    expect(asked).toEqual([join(root, "a")]);
  });

  it("keeps a dangling model link so that inspecting it reports the missing target", async () => {
    const root = await tempDir();
    await symlink(join(root, "gone.safetensors"), join(root, "dangling.safetensors"));
    await symlink(join(root, "gone"), join(root, "dangling-dir"));
    expect(await walkModelFiles(root)).toEqual([join(root, "dangling.safetensors")]);
  });

  it("never walks into a directory skipDir prunes, and asks about every other directory below the root", async () => {
    const root = await tempDir();
    await touch(root, "keep.safetensors", "webui/models/Lora/installed.safetensors", "webui/x.ckpt", "other/sub/b.pt");
    const asked: string[] = [];
    const skipDir = (path: string) => {
      asked.push(path);
      return path === join(root, "webui");
    };
    expect(await walkModelFiles(root, { skipDir })).toEqual([
      join(root, "keep.safetensors"),
      join(root, "other/sub/b.pt"),
    ]);
    // webui/models would have been asked about had the walk entered webui/.
    expect(asked).toEqual([join(root, "other"), join(root, "other/sub"), join(root, "webui")]);
  });
});

describe("expandModelPaths", () => {
  it("lists a pipeline folder as one model, but never the folder of models it was given when told it holds models", async () => {
    const root = await tempDir();
    await touch(root, "style.safetensors", "unet/diffusion_pytorch_model.safetensors", "other/c.safetensors");
    await writeFile(join(root, "model_index.json"), JSON.stringify({ _class_name: "X", unet: ["diffusers", "U"] }));
    expect(await walkModelFiles(root)).toEqual([root]);
    // Only the component folder model_index.json names is the pipeline's; everything else is a model of the folder.
    expect(await walkModelFiles(root, { rootHoldsModels: true })).toEqual([
      join(root, "other/c.safetensors"),
      join(root, "style.safetensors"),
    ]);
    // A model_index.json that does not parse names no component: every folder is walked.
    await writeFile(join(root, "model_index.json"), "");
    expect(await walkModelFiles(root, { rootHoldsModels: true })).toHaveLength(3);
  });

  it("expands directories in place and keeps files and missing paths as given", async () => {
    const root = await tempDir();
    await touch(root, "dir/one.safetensors", "dir/two.ckpt", "single.txt");
    const missing = join(root, "missing.safetensors");
    expect(await expandModelPaths([join(root, "single.txt"), join(root, "dir"), missing])).toEqual([
      join(root, "single.txt"),
      join(root, "dir/one.safetensors"),
      join(root, "dir/two.ckpt"),
      missing,
    ]);
  });
});
