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

function upscaler(architecture: string, rule: Omit<Rule, "id" | "kind" | "stage" | "architecture">): Rule {
  return { id: architecture, kind: "upscaler", stage: "upscaler", architecture, ...rule };
}

const fixed = (fact: string) => (): Description => ({ base: "unknown", evidence: [fact] });

// Signatures after canonicalisation (chaiNNer-org/spandrel architectures/*/__init__.py). HAT and DAT before SwinIR,
// whose keys they contain.
export const upscalerRules: readonly Rule[] = [
  upscaler("esrgan", {
    all: [{ key: "model.0.weight" }, { key: "model.1.sub.0.RDB1.conv1.0.weight" }],
    describe: fixed("old ESRGAN RRDB layout"),
  }),
  upscaler("esrgan-plus", {
    all: [{ key: "model.0.weight" }, { key: "model.1.sub.0.RDB1.conv1x1.weight" }],
    describe: fixed("ESRGAN+ conv1x1 blocks"),
  }),
  upscaler("realesrgan", {
    all: [
      { key: "conv_first.weight" },
      { key: "body.0.rdb1.conv1.weight" },
      { key: "conv_body.weight" },
      { key: "conv_last.weight" },
    ],
    describe: realEsrganScale,
  }),
  upscaler("bsrgan", {
    all: [
      { key: "conv_first.weight" },
      { key: "RRDB_trunk.0.RDB1.conv1.weight" },
      { key: "trunk_conv.weight" },
      { key: "conv_last.weight" },
    ],
    describe: upconvScale("upconv1.weight", "upconv2.weight"),
  }),
  upscaler("hat", {
    all: [
      { key: "relative_position_index_SA" },
      { key: "layers.0.residual_group.blocks.0.conv_block.cab.0.weight" },
      { prefix: "layers.0.residual_group.overlap_attn." },
    ],
    describe: fixed("overlapping cross-attention + channel attention → HAT"),
  }),
  upscaler("dat", {
    all: [{ key: "before_RG.1.weight" }, { key: "layers.0.blocks.0.attn.attns.0.rpe_biases" }],
    describe: fixed("dual aggregation transformer blocks"),
  }),
  upscaler("swin2sr", {
    all: [
      { key: "layers.0.residual_group.blocks.0.norm1.weight" },
      { key: "conv_first.weight" },
      { key: "layers.0.residual_group.blocks.0.attn.logit_scale" },
    ],
    describe: upconvScale("conv_up1.weight", "conv_up2.weight"),
  }),
  upscaler("swinir", {
    all: [
      { key: "layers.0.residual_group.blocks.0.norm1.weight" },
      { key: "conv_first.weight" },
      { key: "layers.0.residual_group.blocks.0.mlp.fc1.bias" },
      { key: "layers.0.residual_group.blocks.0.attn.relative_position_index" },
    ],
    describe: upconvScale("conv_up1.weight", "conv_up2.weight"),
  }),
  upscaler("scunet", {
    all: [{ key: "m_head.0.weight" }, { key: "m_tail.0.weight" }],
    describe: fixed("Swin-Conv U-Net head/tail"),
  }),
  upscaler("realcugan", { all: [{ key: "unet1.conv1.conv.0.weight" }], describe: fixed("Real-CUGAN cascaded U-Nets") }),
  upscaler("compact", { all: [{ key: "body.0.weight" }, { key: "body.1.weight" }], describe: compactScale }),
  // Face restorers: GFPGAN's StyleGAN2 decoder; CodeFormer and RestoreFormer are VQ autoencoders with a codebook.
  upscaler("gfpgan", {
    all: [{ key: "toRGB.0.weight" }, { key: "stylegan_decoder.style_mlp.1.weight" }],
    describe: fixed("face restorer: StyleGAN2 decoder + toRGB"),
  }),
  upscaler("codeformer", {
    all: [{ key: "position_emb" }, { key: "idx_pred_layer.1.weight" }, { key: "quantize.embedding.weight" }],
    describe: fixed("face restorer: codebook transformer"),
  }),
  upscaler("restoreformer", {
    all: [{ key: "quantize.embedding.weight" }, { key: "encoder.conv_in.weight" }],
    describe: fixed("face restorer: VQ autoencoder (quantize.embedding), not a VAE"),
  }),
];
