import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { Classification } from "../../src/classify/types.js";
import { skipReasonText } from "../../src/cli/report/plan-messages.js";
import type { FileFormat } from "../../src/inspect/types.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import type { PlanEntry, UiName, WebuiTarget } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import {
  A1111_MARKERS,
  COMFY_MARKERS,
  classification,
  FORGE_MARKERS,
  modelFile,
  plan,
  SDNEXT_MARKERS,
  touch,
} from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-layouts-");

interface Case {
  name: string;
  c: Classification;
  format?: FileFormat;
  file?: string;
  /** Expected destination relative to the WebUI root, or `skip: <message>`. */
  want: string;
}

const k = classification;

const A1111_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint"), want: "models/Stable-diffusion/m.safetensors" },
  { name: "diffusion model", c: k("diffusion-model", { base: "flux" }), want: "models/Stable-diffusion/m.safetensors" },
  { name: "vae", c: k("vae"), want: "models/VAE/m.safetensors" },
  { name: "vae-approx", c: k("vae-approx"), format: "torch-zip", file: "m.pt", want: "models/VAE-approx/m.pt" },
  {
    name: "text encoder",
    c: k("text-encoder", { architecture: "clip-l" }),
    want: "skip: no folder for text-encoder in a1111",
  },
  { name: "lora", c: k("lora", { algorithm: "lora" }), want: "models/Lora/m.safetensors" },
  { name: "locon (default routing)", c: k("lora", { algorithm: "locon" }), want: "models/Lora/m.safetensors" },
  { name: "loha (default routing)", c: k("lora", { algorithm: "loha" }), want: "models/Lora/m.safetensors" },
  { name: "embedding", c: k("embedding"), want: "embeddings/m.safetensors" },
  { name: "hypernetwork", c: k("hypernetwork"), format: "torch-zip", file: "m.pt", want: "models/hypernetworks/m.pt" },
  { name: "controlnet", c: k("controlnet"), want: "models/ControlNet/m.safetensors" },
  { name: "t2i-adapter", c: k("t2i-adapter"), want: "models/ControlNet/m.safetensors" },
  { name: "ip-adapter", c: k("ip-adapter"), format: "pickle", file: "m.bin", want: "models/ControlNet/m.bin" },
  {
    name: "clip vision",
    c: k("clip-vision", { architecture: "vit-h" }),
    want: "extensions/sd-webui-controlnet/annotator/clip_vision/m.safetensors",
  },
  {
    name: "esrgan",
    c: k("upscaler", { architecture: "esrgan" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/ESRGAN/m.pth",
  },
  { name: "realesrgan", c: k("upscaler", { architecture: "realesrgan" }), want: "models/ESRGAN/m.safetensors" },
  {
    name: "swinir",
    c: k("upscaler", { architecture: "swinir" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/SwinIR/m.pth",
  },
  { name: "dat", c: k("upscaler", { architecture: "dat" }), want: "models/DAT/m.safetensors" },
  {
    name: "scunet",
    c: k("upscaler", { architecture: "scunet" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/ScuNET/m.pth",
  },
  {
    name: "hat",
    c: k("upscaler", { architecture: "hat" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/HAT/m.pth",
  },
  {
    name: "compact (SRVGGNet) upscaler",
    c: k("upscaler", { architecture: "compact" }),
    format: "torch-zip",
    file: "realesr-animevideov3.pth",
    want: "models/RealESRGAN/realesr-animevideov3.pth",
  },
  {
    name: "gfpgan",
    c: k("upscaler", { architecture: "gfpgan" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/GFPGAN/m.pth",
  },
  {
    name: "codeformer",
    c: k("upscaler", { architecture: "codeformer" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/Codeformer/m.pth",
  },
  {
    name: "upscaler of unknown architecture",
    c: k("upscaler", { architecture: "span" }),
    want: "skip: no folder for upscaler (span) in a1111",
  },
  {
    name: "swinir as safetensors (not listed)",
    c: k("upscaler", { architecture: "swinir" }),
    want: "skip: safetensors files are not loaded from SwinIR (it lists .pth .pt)",
  },
  {
    name: "motion module",
    c: k("motion-module"),
    format: "torch-zip",
    file: "m.ckpt",
    want: "extensions/sd-webui-animatediff/model/m.ckpt",
  },
  { name: "style model", c: k("style-model", { base: "flux" }), want: "skip: no folder for style-model in a1111" },
];

const FORGE_CASES: Case[] = [
  { name: "diffusion model", c: k("diffusion-model", { base: "flux" }), want: "models/Stable-diffusion/m.safetensors" },
  { name: "text encoder", c: k("text-encoder", { architecture: "t5-xxl" }), want: "models/text_encoder/m.safetensors" },
  { name: "clip vision", c: k("clip-vision"), want: "models/ControlNetPreprocessor/clip_vision/m.safetensors" },
  {
    name: "hat",
    c: k("upscaler", { architecture: "hat" }),
    format: "torch-zip",
    file: "m.pt",
    want: "models/HAT/m.pt",
  },
  { name: "motion module", c: k("motion-module"), want: "skip: no folder for motion-module in forge" },
];

const SDNEXT_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint"), want: "models/Stable-diffusion/m.safetensors" },
  { name: "diffusion model", c: k("diffusion-model"), want: "models/UNET/m.safetensors" },
  { name: "text encoder", c: k("text-encoder"), want: "models/Text-encoder/m.safetensors" },
  { name: "embedding", c: k("embedding"), want: "models/embeddings/m.safetensors" },
  { name: "controlnet", c: k("controlnet"), want: "models/control/controlnet/m.safetensors" },
  {
    name: "controlnet-lllite",
    c: k("controlnet", { architecture: "controlnet-lllite" }),
    want: "models/control/lite/m.safetensors",
  },
  { name: "t2i-adapter", c: k("t2i-adapter"), want: "models/control/adapter/m.safetensors" },
  { name: "ip-adapter", c: k("ip-adapter"), want: "skip: no folder for ip-adapter in sdnext" },
  {
    name: "scunet",
    c: k("upscaler", { architecture: "scunet" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/SCUNet/m.pth",
  },
];

const COMFY_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint"), want: "models/checkpoints/m.safetensors" },
  { name: "diffusion model", c: k("diffusion-model", { base: "flux" }), want: "models/diffusion_models/m.safetensors" },
  { name: "vae", c: k("vae"), want: "models/vae/m.safetensors" },
  { name: "vae-approx", c: k("vae-approx"), want: "models/vae_approx/m.safetensors" },
  { name: "text encoder", c: k("text-encoder"), want: "models/text_encoders/m.safetensors" },
  { name: "lora", c: k("lora", { algorithm: "lokr" }), want: "models/loras/m.safetensors" },
  { name: "embedding", c: k("embedding"), want: "models/embeddings/m.safetensors" },
  { name: "hypernetwork", c: k("hypernetwork"), format: "torch-zip", file: "m.pt", want: "models/hypernetworks/m.pt" },
  { name: "controlnet", c: k("controlnet"), want: "models/controlnet/m.safetensors" },
  { name: "t2i-adapter", c: k("t2i-adapter"), want: "models/controlnet/m.safetensors" },
  { name: "ip-adapter", c: k("ip-adapter"), want: "models/ipadapter/m.safetensors" },
  { name: "clip vision", c: k("clip-vision"), want: "models/clip_vision/m.safetensors" },
  {
    name: "upscaler",
    c: k("upscaler", { architecture: "dat" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/upscale_models/m.pth",
  },
  {
    name: "face restorer",
    c: k("upscaler", { architecture: "codeformer" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/facerestore_models/m.pth",
  },
  {
    name: "motion module",
    c: k("motion-module"),
    format: "torch-zip",
    file: "m.ckpt",
    want: "models/animatediff_models/m.ckpt",
  },
  { name: "style model", c: k("style-model"), want: "models/style_models/m.safetensors" },
];

const SWARM_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint"), want: "Models/Stable-Diffusion/m.safetensors" },
  { name: "diffusion model", c: k("diffusion-model", { base: "flux" }), want: "Models/diffusion_models/m.safetensors" },
  { name: "text encoder", c: k("text-encoder"), want: "Models/text_encoders/m.safetensors" },
  { name: "lora", c: k("lora"), want: "Models/Lora/m.safetensors" },
  { name: "embedding", c: k("embedding"), want: "Models/Embeddings/m.safetensors" },
  { name: "controlnet", c: k("controlnet"), want: "Models/controlnet/m.safetensors" },
  {
    name: "upscaler",
    c: k("upscaler", { architecture: "esrgan" }),
    format: "torch-zip",
    file: "m.pth",
    want: "Models/upscale_models/m.pth",
  },
  { name: "motion module", c: k("motion-module"), want: "skip: no folder for motion-module in swarmui" },
];

const FOOOCUS_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint", { base: "sdxl" }), want: "models/checkpoints/m.safetensors" },
  { name: "lora", c: k("lora", { base: "sdxl" }), want: "models/loras/m.safetensors" },
  { name: "embedding", c: k("embedding", { base: "sdxl" }), want: "models/embeddings/m.safetensors" },
  { name: "vae", c: k("vae"), want: "models/vae/m.safetensors" },
  {
    name: "upscaler",
    c: k("upscaler", { architecture: "esrgan" }),
    format: "torch-zip",
    file: "m.pth",
    want: "models/upscale_models/m.pth",
  },
  {
    name: "diffusion model",
    c: k("diffusion-model", { base: "flux" }),
    want: "skip: no folder for diffusion-model in fooocus",
  },
];

const STABILITY_MATRIX_CASES: Case[] = [
  { name: "checkpoint", c: k("checkpoint"), want: "Models/StableDiffusion/m.safetensors" },
  { name: "vae", c: k("vae"), want: "Models/VAE/m.safetensors" },
  { name: "vae-approx", c: k("vae-approx"), want: "Models/ApproxVAE/m.safetensors" },
  { name: "embedding", c: k("embedding"), want: "Models/Embeddings/m.safetensors" },
  { name: "hypernetwork", c: k("hypernetwork"), format: "torch-zip", file: "m.pt", want: "Models/Hypernetwork/m.pt" },
  { name: "controlnet", c: k("controlnet"), want: "Models/ControlNet/m.safetensors" },
  { name: "t2i-adapter", c: k("t2i-adapter"), want: "Models/T2IAdapter/m.safetensors" },
  { name: "ip-adapter", c: k("ip-adapter"), format: "pickle", file: "m.bin", want: "Models/IpAdapter/m.bin" },
  { name: "clip vision", c: k("clip-vision"), want: "Models/ClipVision/m.safetensors" },
  {
    name: "swinir",
    c: k("upscaler", { architecture: "swinir" }),
    format: "torch-zip",
    file: "m.pth",
    want: "Models/SwinIR/m.pth",
  },
  {
    name: "dat",
    c: k("upscaler", { architecture: "dat" }),
    format: "torch-zip",
    file: "m.pth",
    want: "Models/ESRGAN/m.pth",
  },
  { name: "style model", c: k("style-model", { base: "flux" }), want: "Models/StyleModels/m.safetensors" },
];

async function fakeWebui(
  markers: readonly string[],
): Promise<{ root: string; downloads: string; target: WebuiTarget }> {
  const root = await tempDir();
  const downloads = await tempDir();
  await touch(root, markers);
  return { root, downloads, target: await resolveWebui({ webui: root, env: {}, cwd: "/" }) };
}

function describeOutcome(entry: PlanEntry, root: string): string {
  if (entry.action === "skip") return `skip: ${skipReasonText(entry.reason)}`;
  return relative(root, entry.destination);
}

describe.each<[UiName, readonly string[], Case[]]>([
  ["a1111", A1111_MARKERS, A1111_CASES],
  ["forge", FORGE_MARKERS, FORGE_CASES],
  ["sdnext", SDNEXT_MARKERS, SDNEXT_CASES],
  ["comfyui", COMFY_MARKERS, COMFY_CASES],
  ["swarmui", ["src/SwarmUI.csproj", "launch-linux.sh"], SWARM_CASES],
  ["fooocus", ["entry_with_update.py", "launch.py"], FOOOCUS_CASES],
  ["stabilitymatrix", ["settings.json", "Models/", "Packages/"], STABILITY_MATRIX_CASES],
])("%s layout", (ui, markers, cases) => {
  it.each(cases)("$name → $want", async ({ c, format, file, want }) => {
    const { root, downloads, target } = await fakeWebui(markers);
    expect(target.ui).toBe(ui);
    const candidate = await modelFile(join(downloads, file ?? "m.safetensors"), c, { format: format ?? "safetensors" });
    const { entries } = await plan([candidate], target);
    expect(entries).toHaveLength(1);
    expect(describeOutcome(entries[0]!, root)).toBe(want);
  });
});

describe("layout warnings and options", () => {
  it("marks a UNet-only file as not loaded by A1111 (typed), and not by Forge", async () => {
    for (const [markers, code] of [
      [A1111_MARKERS, "kind-not-supported"],
      [FORGE_MARKERS, null],
    ] as const) {
      const { downloads, target } = await fakeWebui(markers);
      const candidate = await modelFile(join(downloads, "flux.safetensors"), k("diffusion-model", { base: "flux" }));
      const [entry] = (await plan([candidate], target)).entries;
      expect(entry?.action).toBe("move");
      expect(entry?.action === "move" ? (entry.notLoaded?.code ?? null) : "not a move").toBe(code);
      expect(entry!.warnings.some((w) => w.type === "will-not-load" && w.load.ui === "a1111")).toBe(code !== null);
    }
  });

  it("--lycoris-dir sends LyCORIS algorithms to A1111's models/LyCORIS, plain LoRA stays in models/Lora", async () => {
    const { root, downloads, target } = await fakeWebui(A1111_MARKERS);
    const candidates = [
      await modelFile(join(downloads, "plain.safetensors"), k("lora", { algorithm: "lora" })),
      await modelFile(join(downloads, "locon.safetensors"), k("lora", { algorithm: "locon" }), { dim: 65 }),
      await modelFile(join(downloads, "lokr.safetensors"), k("lora", { algorithm: "lokr" }), { dim: 66 }),
    ];
    const { entries, warnings } = await plan(candidates, target, { lycorisDir: true });
    expect(warnings).toEqual([]);
    expect(entries.map((e) => describeOutcome(e, root))).toEqual([
      "models/Lora/plain.safetensors",
      "models/LyCORIS/locon.safetensors",
      "models/LyCORIS/lokr.safetensors",
    ]);
  });

  it("--lycoris-dir has no effect on Forge, which does not scan models/LyCORIS", async () => {
    const { root, downloads, target } = await fakeWebui(FORGE_MARKERS);
    const candidate = await modelFile(join(downloads, "loha.safetensors"), k("lora", { algorithm: "loha" }));
    const { entries, warnings } = await plan([candidate], target, { lycorisDir: true });
    expect(describeOutcome(entries[0]!, root)).toBe("models/Lora/loha.safetensors");
    expect(warnings).toEqual([{ type: "lycoris-dir-ignored", ui: "forge" }]);
  });

  it("--by-base puts base-specific kinds into base folders and leaves base-agnostic kinds alone", async () => {
    const { root, downloads, target } = await fakeWebui(A1111_MARKERS);
    const files: [string, Classification][] = [
      ["sd15.safetensors", k("checkpoint", { base: "sd1" })],
      ["xl.safetensors", k("lora", { base: "sdxl", algorithm: "lora" })],
      ["refiner.safetensors", k("checkpoint", { base: "sdxl-refiner" })],
      ["flux.safetensors", k("diffusion-model", { base: "flux" })],
      ["sd3.safetensors", k("checkpoint", { base: "sd3" })],
      ["sd2.safetensors", k("embedding", { base: "sd2" })],
      ["who.safetensors", k("lora", { base: "unknown", algorithm: "lora" })],
      ["up.safetensors", k("upscaler", { base: "unknown", architecture: "esrgan" })],
    ];
    const candidates = [];
    for (const [i, [name, c]] of files.entries())
      candidates.push(await modelFile(join(downloads, name), c, { dim: 64 + i }));
    const { entries } = await plan(candidates, target, { byBase: true });
    expect(entries.map((e) => describeOutcome(e, root))).toEqual([
      "models/Stable-diffusion/SD1.5/sd15.safetensors",
      "models/Lora/SDXL/xl.safetensors",
      "models/Stable-diffusion/SDXL-Refiner/refiner.safetensors",
      "models/Stable-diffusion/FLUX1/flux.safetensors",
      "models/Stable-diffusion/SD3/sd3.safetensors",
      "embeddings/SD2/sd2.safetensors",
      "models/Lora/Unknown/who.safetensors",
      "models/ESRGAN/up.safetensors",
    ]);
  });

  it("a bare A1111-style models folder takes models/… kinds and skips root-level ones with a reason", async () => {
    const models = await tempDir();
    const downloads = await tempDir();
    await touch(models, ["Stable-diffusion/", "Lora/", "VAE/"]);
    const target = await resolveWebui({ webui: models, env: {}, cwd: "/" });
    expect(target).toMatchObject({ ui: "a1111", shape: "models-dir", modelsDir: models, dataDir: null });
    const { entries } = await plan(
      [
        await modelFile(join(downloads, "l.safetensors"), k("lora")),
        await modelFile(join(downloads, "e.safetensors"), k("embedding"), { dim: 65 }),
      ],
      target,
    );
    expect(describeOutcome(entries[0]!, models)).toBe("Lora/l.safetensors");
    expect(entries[1]).toMatchObject({ action: "skip", reason: { code: "no-folder" } });
    expect(describeOutcome(entries[1]!, models)).toMatch(/^skip: no folder for embedding in a1111/);
  });

  it("a bare ComfyUI-style models folder takes every kind", async () => {
    const models = await tempDir();
    const downloads = await tempDir();
    await touch(models, ["checkpoints/", "loras/", "vae/"]);
    const target = await resolveWebui({ webui: models, env: {}, cwd: "/" });
    expect(target).toMatchObject({ ui: "comfyui", shape: "models-dir" });
    const { entries } = await plan([await modelFile(join(downloads, "e.safetensors"), k("embedding"))], target);
    expect(describeOutcome(entries[0]!, models)).toBe("embeddings/e.safetensors");
  });
});

describe("ComfyUI extra_model_paths.yaml", () => {
  it("installs into the is_default section's folders and the ComfyUI root's own folders for the rest", async () => {
    const { root, downloads } = await fakeWebui(COMFY_MARKERS);
    const home = await tempDir();
    const a1111 = await tempDir();
    await writeFile(
      join(root, "extra_model_paths.yaml"),
      [
        "a111:",
        `    base_path: ${a1111}`,
        "    checkpoints: models/Stable-diffusion",
        "    loras: |",
        "         models/Lora",
        "         models/LyCORIS",
        "shared:",
        "    base_path: ~/library",
        "    is_default: true",
        "    loras: loras",
        "    unet: unet-legacy",
        "    clip: te",
        "from_env:",
        "    base_path: ${STORE}/vaes",
        "    vae: sdxl",
        "empty:",
        "",
      ].join("\n"),
    );
    const target = await resolveWebui({ webui: root, env: { HOME: home, STORE: a1111 }, cwd: "/" });
    expect(Object.keys(target.folders).sort()).toEqual(["diffusion_models", "loras", "text_encoders"]);
    // Each install folder carries the file and line of the key that made it the default.
    expect(target.folders.loras).toEqual({
      name: "loras",
      path: join(home, "library/loras"),
      file: join(root, "extra_model_paths.yaml"),
      line: 10,
    });
    expect(target.extraFolders.vae).toEqual([join(a1111, "vaes/sdxl")]);
    expect(target.extraFolders.loras).toEqual([
      join(home, "library/loras"),
      join(a1111, "models/Lora"),
      join(a1111, "models/LyCORIS"),
    ]);
    const candidates = [
      await modelFile(join(downloads, "l.safetensors"), k("lora")),
      await modelFile(join(downloads, "unet.safetensors"), k("diffusion-model"), { dim: 65 }),
      await modelFile(join(downloads, "t5.safetensors"), k("text-encoder"), { dim: 66 }),
      await modelFile(join(downloads, "ckpt.safetensors"), k("checkpoint"), { dim: 67 }),
    ];
    const { entries } = await plan(candidates, target);
    expect(entries.map((e) => (e.action === "move" ? e.destination : e.action))).toEqual([
      join(home, "library/loras/l.safetensors"),
      join(home, "library/unet-legacy/unet.safetensors"),
      join(home, "library/te/t5.safetensors"),
      // The a111 section is not is_default: checkpoints still go to the ComfyUI root.
      join(root, "models/checkpoints/ckpt.safetensors"),
    ]);
  });

  it("takes a relative base_path from the YAML's folder, and multi-line default paths in ComfyUI's order", async () => {
    const { root, downloads } = await fakeWebui(COMFY_MARKERS);
    await writeFile(
      join(root, "extra_model_paths.yaml"),
      "comfyui:\n  base_path: ../store\n  is_default: true\n  checkpoints: |\n    first\n    second\n",
    );
    const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
    // add_model_folder_path(..., is_default=True) inserts each path at the front in turn.
    expect(target.extraFolders.checkpoints).toEqual([join(root, "../store/second"), join(root, "../store/first")]);
    const { entries } = await plan([await modelFile(join(downloads, "c.safetensors"), k("checkpoint"))], target);
    expect(entries[0]).toMatchObject({ action: "move", destination: join(root, "../store/second/c.safetensors") });
  });

  it("reports a YAML file that does not parse", async () => {
    const { root } = await fakeWebui(COMFY_MARKERS);
    await writeFile(join(root, "extra_model_paths.yaml"), "a: [unclosed\n");
    await expect(resolveWebui({ webui: root, env: {}, cwd: "/" })).rejects.toMatchObject({
      code: "extra-paths-invalid",
    });
  });
});
