import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers.js";
import { a1111WithDownloads, classification as k, modelFile, plan } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-sorted-");

describe("sort moves only files that really lie in the folder being sorted", () => {
  it("skips a candidate reached through a linked folder: outside the sorted folder, or inside the WebUI", async () => {
    const { root, downloads, target } = await a1111WithDownloads(tempDir);
    const elsewhere = await tempDir();
    // The walk no longer hands these over; a folder swapped for a link after the walk still could.
    await modelFile(join(elsewhere, "far.safetensors"), k("lora"));
    await symlink(elsewhere, join(downloads, "linked"));
    const far = {
      ...(await modelFile(join(elsewhere, "far.safetensors"), k("lora"))),
      source: join(downloads, "linked/far.safetensors"),
    };
    await mkdir(join(root, "models/Lora"), { recursive: true });
    const installedVae = await modelFile(join(root, "models/Lora/vae.safetensors"), k("vae"));
    await symlink(join(root, "models"), join(downloads, "webui-models"));
    const viaWebui = { ...installedVae, source: join(downloads, "webui-models/Lora/vae.safetensors") };
    const local = await modelFile(join(downloads, "here.safetensors"), k("lora"), { dim: 7 });

    const { entries } = await plan([far, viaWebui, local], target, { sortedDir: downloads });
    expect(entries.map((e) => [e.action, e.action === "skip" ? e.reason.code : null])).toEqual([
      ["skip", "outside-sorted-folder"],
      ["skip", "inside-webui"],
      ["move", null],
    ]);
  });

  it("judges the sorted folder by its real path too: downloads reached through a link are still sorted", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const parent = await tempDir();
    const link = join(parent, "Downloads");
    await symlink(downloads, link);
    const lora = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const { entries } = await plan([{ ...lora, source: join(link, "a.safetensors") }], target, { sortedDir: link });
    expect(entries[0]?.action).toBe("move");
  });

  it("install (no sorted folder) is not limited to one folder", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const other = await tempDir();
    const a = await modelFile(join(downloads, "a.safetensors"), k("lora"));
    const b = await modelFile(join(other, "b.safetensors"), k("lora"), { dim: 9 });
    const { entries } = await plan([a, b], target);
    expect(entries.map((e) => e.action)).toEqual(["move", "move"]);
  });
});
