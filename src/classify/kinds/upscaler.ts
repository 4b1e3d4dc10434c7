import {
  ANY_BASE,
  comfy,
  folder,
  fooocus,
  type KindLayout,
  type LayoutFolder,
  sharedLibrary,
  swarm,
} from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

/** RealESRGAN pixel-unshuffles ×2 and ×1 inputs first, so conv_first in-ch is 3·(4/scale)² (spandrel RRDBNet). */
const REALESRGAN_SCALE: ReadonlyMap<number, number> = new Map([
  [3, 4],
  [12, 2],
  [48, 1],
]);

function scaled(scale: number | undefined, how: string): Description {
  return {
    base: "unknown",
    evidence: scale === undefined ? [`scale not decidable from ${how}`] : [`${how} → ×${scale}`],
  };
}

function realEsrganScale(header: NormalizedHeader): Description {
  const channels = header.index.dim("conv_first.weight", 1);
  return scaled(
    channels === undefined ? undefined : REALESRGAN_SCALE.get(channels),
    `conv_first in-ch ${channels ?? "?"}`,
  );
}

/** Nearest-neighbour upsampling: one `conv_up`/`upconv` per ×2. */
function upconvScale(first: string, second: string) {
  return (header: NormalizedHeader): Description => {
    const { index } = header;
    const scale = index.has(second) ? 4 : index.has(first) ? 2 : undefined;
    return scaled(scale, scale === undefined ? "upsampling convs" : `${scale === 4 ? second : first}`);
  };
}

/** Compact (SRVGGNet) ends in a conv to 3·scale² channels before pixel-shuffle. */
function compactScale(header: NormalizedHeader): Description {
  const { index } = header;
  let last: readonly number[] | undefined;
  let lastIndex = -1;
  for (const key of index.withPrefix("body.")) {
    const match = /^body\.(\d+)\.weight$/.exec(key);
    const shape = index.shape(key);
    if (match !== null && shape?.length === 4 && Number(match[1]) > lastIndex) {
      lastIndex = Number(match[1]);
      last = shape;
    }
  }
  const root = last === undefined ? NaN : Math.sqrt((last[0] ?? 0) / 3);
  return scaled(Number.isInteger(root) ? root : undefined, `body.${lastIndex} out ${last?.[0] ?? "?"}`);
}

function upscalerRule(architecture: string, rule: Omit<Rule, "id" | "stage" | "architecture">): Rule {
  return { id: architecture, stage: "upscaler", architecture, ...rule };
}

const fixed = (fact: string) => (): Description => ({ base: "unknown", evidence: [fact] });

// Signatures after canonicalisation (chaiNNer-org/spandrel architectures/*/__init__.py). HAT and DAT before SwinIR,
// whose keys they contain.
const rules: readonly Rule[] = [
  upscalerRule("esrgan", {
    all: [{ key: "model.0.weight" }, { key: "model.1.sub.0.RDB1.conv1.0.weight" }],
    describe: fixed("old ESRGAN RRDB layout"),
  }),
  upscalerRule("esrgan-plus", {
    all: [{ key: "model.0.weight" }, { key: "model.1.sub.0.RDB1.conv1x1.weight" }],
    describe: fixed("ESRGAN+ conv1x1 blocks"),
  }),
  upscalerRule("realesrgan", {
    all: [
      { key: "conv_first.weight" },
      { key: "body.0.rdb1.conv1.weight" },
      { key: "conv_body.weight" },
      { key: "conv_last.weight" },
    ],
    describe: realEsrganScale,
  }),
  upscalerRule("bsrgan", {
    all: [
      { key: "conv_first.weight" },
      { key: "RRDB_trunk.0.RDB1.conv1.weight" },
      { key: "trunk_conv.weight" },
      { key: "conv_last.weight" },
    ],
    describe: upconvScale("upconv1.weight", "upconv2.weight"),
  }),
  upscalerRule("hat", {
    all: [
      { key: "relative_position_index_SA" },
      { key: "layers.0.residual_group.blocks.0.conv_block.cab.0.weight" },
      { prefix: "layers.0.residual_group.overlap_attn." },
    ],
    describe: fixed("overlapping cross-attention + channel attention → HAT"),
  }),
  upscalerRule("dat", {
    all: [{ key: "before_RG.1.weight" }, { key: "layers.0.blocks.0.attn.attns.0.rpe_biases" }],
    describe: fixed("dual aggregation transformer blocks"),
  }),
  upscalerRule("swin2sr", {
    all: [
      { key: "layers.0.residual_group.blocks.0.norm1.weight" },
      { key: "conv_first.weight" },
      { key: "layers.0.residual_group.blocks.0.attn.logit_scale" },
    ],
    describe: upconvScale("conv_up1.weight", "conv_up2.weight"),
  }),
  upscalerRule("swinir", {
    all: [
      { key: "layers.0.residual_group.blocks.0.norm1.weight" },
      { key: "conv_first.weight" },
      { key: "layers.0.residual_group.blocks.0.mlp.fc1.bias" },
      { key: "layers.0.residual_group.blocks.0.attn.relative_position_index" },
    ],
    describe: upconvScale("conv_up1.weight", "conv_up2.weight"),
  }),
  upscalerRule("scunet", {
    all: [{ key: "m_head.0.weight" }, { key: "m_tail.0.weight" }],
    describe: fixed("Swin-Conv U-Net head/tail"),
  }),
  upscalerRule("realcugan", {
    all: [{ key: "unet1.conv1.conv.0.weight" }],
    describe: fixed("Real-CUGAN cascaded U-Nets"),
  }),
  upscalerRule("compact", { all: [{ key: "body.0.weight" }, { key: "body.1.weight" }], describe: compactScale }),
  // Face restorers: GFPGAN's StyleGAN2 decoder; CodeFormer and RestoreFormer are VQ autoencoders with a codebook.
  upscalerRule("gfpgan", {
    all: [{ key: "toRGB.0.weight" }, { key: "stylegan_decoder.style_mlp.1.weight" }],
    describe: fixed("face restorer: StyleGAN2 decoder + toRGB"),
  }),
  upscalerRule("codeformer", {
    all: [{ key: "position_emb" }, { key: "idx_pred_layer.1.weight" }, { key: "quantize.embedding.weight" }],
    describe: fixed("face restorer: codebook transformer"),
  }),
  upscalerRule("restoreformer", {
    all: [{ key: "quantize.embedding.weight" }, { key: "encoder.conv_in.weight" }],
    describe: fixed("face restorer: VQ autoencoder (quantize.embedding), not a VAE"),
  }),
];

const ESRGAN_EXTENSIONS = [".safetensors", ".pth", ".pt"];
const COMPACT_WARNING =
  "A1111 loads Real-ESRGAN Compact models only under their release names " +
  "(realesr-animevideov3.pth, realesr-general-x4v3.pth, …)";
const FACE_RESTORER_WARNING = "A1111 picks face restorers by file name (GFPGANv1.4.pth, codeformer-v0.1.0.pth)";

/**
 * An A1111-family upscaler folder. Each upscaler class reads `<name>_models_path` (A1111 `modules/upscaler.py`: the
 * `--esrgan-models-path` flag; SD.Next: the `esrgan_models_path` option), so that is the folder's setting.
 */
function upscalerFolder(path: string, extensions: readonly string[], warning?: string): LayoutFolder {
  return folder(path, extensions, {
    ...ANY_BASE,
    setting: `${path.toLowerCase()}_models_path`,
    ...(warning === undefined ? {} : { warning }),
  });
}

/** ESRGAN-architecture files (RRDBNet) load through the ESRGAN upscaler, whatever their training recipe. */
function a1111Upscalers(extra: Record<string, LayoutFolder | null>): Record<string, LayoutFolder | null> {
  const esrgan = upscalerFolder("ESRGAN", ESRGAN_EXTENSIONS);
  return {
    esrgan,
    realesrgan: esrgan,
    bsrgan: esrgan,
    swinir: upscalerFolder("SwinIR", [".pth", ".pt"]),
    dat: upscalerFolder("DAT", ESRGAN_EXTENSIONS),
    scunet: upscalerFolder("ScuNET", [".pth"]),
    // modules/realesrgan_model.py: the RealESRGAN upscaler lists models/RealESRGAN (`.pth`) and loads its built-in
    // SRVGGNetCompact/RRDB releases from there by file name.
    compact: upscalerFolder("RealESRGAN", [".pth"], COMPACT_WARNING),
    gfpgan: upscalerFolder("GFPGAN", [".pth"], FACE_RESTORER_WARNING),
    codeformer: upscalerFolder("Codeformer", [".pth"], FACE_RESTORER_WARNING),
    ...extra,
  };
}

const A1111_UPSCALERS: KindLayout = {
  folder: null,
  byArchitecture: a1111Upscalers({ hat: folder("HAT", [".pth", ".pt"], ANY_BASE) }),
};
const COMFY_FACE_RESTORER = comfy("facerestore_models", {
  baseSpecific: false,
  warning: "face restorers need a custom node (facerestore_cf)",
});

export const upscaler = defineKind({
  name: "upscaler",
  // Spandrel signatures and face restorers: after every diffusion kind, before the bare-UNet guess.
  stages: [{ name: "upscaler", order: 150 }],
  rules,
  baseBearing: false,
  folders: {
    a1111: A1111_UPSCALERS,
    forge: A1111_UPSCALERS,
    sdnext: {
      folder: null,
      byArchitecture: {
        ...a1111Upscalers({}),
        scunet: upscalerFolder("SCUNet", [".pth"]),
        dat: null,
      },
    },
    comfyui: {
      folder: comfy("upscale_models", ANY_BASE),
      byArchitecture: { gfpgan: COMFY_FACE_RESTORER, codeformer: COMFY_FACE_RESTORER },
    },
    swarmui: { folder: swarm("upscale_models", undefined, ANY_BASE) },
    fooocus: { folder: fooocus("upscale_models", "path_upscale_models", ANY_BASE) },
    // Stability Matrix maps `ESRGAN` into every UI's general upscaler folder; these have folders of their own.
    stabilitymatrix: {
      folder: sharedLibrary("ESRGAN", ANY_BASE),
      byArchitecture: {
        swinir: sharedLibrary("SwinIR", ANY_BASE),
        scunet: sharedLibrary("ScuNET", ANY_BASE),
        gfpgan: sharedLibrary("GFPGAN", ANY_BASE),
        codeformer: sharedLibrary("Codeformer", ANY_BASE),
      },
    },
  },
  civitai: { types: ["upscaler"] },
});
