import { describe, expect, it } from "vitest";
import { classify } from "../../src/classify/classify.js";
import { at, input, kohya, t, texts } from "./build.js";

const SD1_UNET = [
  t("model.diffusion_model.input_blocks.0.0.weight", [320, 4, 3, 3]),
  t("model.diffusion_model.input_blocks.1.1.proj_in.weight", [320, 320, 1, 1]),
  t("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", [320, 768]),
  t("model.diffusion_model.out.2.weight", [4, 320, 3, 3]),
];
const SD1_TE = t("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", [49408, 768]);
const VAE = [
  t("decoder.conv_in.weight", [512, 4, 3, 3]),
  t("encoder.conv_in.weight", [128, 3, 3, 3]),
  t("quant_conv.weight", [8, 8, 1, 1]),
];

describe("checkpoints and diffusion models", () => {
  it("SD1 all-in-one; the same UNet alone is a diffusion model", () => {
    expect(classify(input([...SD1_UNET, SD1_TE]))).toMatchObject({
      kind: "checkpoint",
      base: "sd1",
      variant: null,
      confidence: "high",
    });
    expect(classify(input(SD1_UNET))).toMatchObject({ kind: "diffusion-model", base: "sd1" });
  });

  it("inpaint (9 in-ch) and instruct-pix2pix (8 in-ch)", () => {
    const withIn = (ch: number) => [
      t("model.diffusion_model.input_blocks.0.0.weight", [320, ch, 3, 3]),
      ...SD1_UNET.slice(1),
      SD1_TE,
    ];
    expect(classify(input(withIn(9))).variant).toBe("inpaint");
    expect(classify(input(withIn(8))).variant).toBe("instruct-pix2pix");
  });

  it("SDXL base with v_pred; SDXL refiner by widths", () => {
    const sdxl = classify(
      input([
        t("model.diffusion_model.input_blocks.0.0.weight", [320, 4, 3, 3]),
        t("model.diffusion_model.label_emb.0.0.weight", [1280, 2816]),
        t("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", [640, 2048]),
        t("conditioner.embedders.1.model.ln_final.weight", [1280]),
        t("v_pred", []),
      ]),
    );
    expect(sdxl).toMatchObject({ kind: "checkpoint", base: "sdxl", variant: "v-prediction" });
    const refiner = classify(
      input([
        t("model.diffusion_model.input_blocks.0.0.weight", [384, 4, 3, 3]),
        t("model.diffusion_model.label_emb.0.0.weight", [1536, 2560]),
        t("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", [768, 1280]),
        t("conditioner.embedders.0.model.ln_final.weight", [1280]),
      ]),
    );
    expect(refiner).toMatchObject({ kind: "checkpoint", base: "sdxl-refiner" });
  });

  it("SD3 and FLUX from DiT markers; Chroma from distilled_guidance_layer", () => {
    const sd3 = classify(
      input([
        t("model.diffusion_model.x_embedder.proj.weight", [1536, 16, 2, 2]),
        t("model.diffusion_model.joint_blocks.0.context_block.attn.qkv.weight", [4608, 1536]),
        t("text_encoders.clip_g.transformer.text_model.embeddings.token_embedding.weight", [49408, 1280]),
      ]),
    );
    expect(sd3).toMatchObject({ kind: "checkpoint", base: "sd3", architecture: "sd3-medium" });
    const flux = [t("double_blocks.0.img_attn.norm.key_norm.scale", [128]), t("img_in.weight", [3072, 64])];
    expect(classify(input(flux))).toMatchObject({ kind: "diffusion-model", base: "flux" });
    expect(classify(input([...flux, t("distilled_guidance_layer.in_proj.weight", [5120, 64])])).base).toBe("chroma");
  });

  it("a merged checkpoint that kept LoRA keys is a checkpoint", () => {
    const r = classify(
      input([
        ...SD1_UNET,
        SD1_TE,
        ...kohya("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k", [4, 768], [320, 4]),
      ]),
    );
    expect(r).toMatchObject({ kind: "checkpoint", base: "sd1", algorithm: null });
  });

  it("unwraps Lightning state_dict and drops EMA and scheduler buffers", () => {
    const wrapped = [...SD1_UNET, SD1_TE].map((x) => at(["state_dict", x.name], x.shape));
    wrapped.push(
      at(["state_dict", "model_ema.diffusion_modelinput_blocks00weight"], [320, 4, 3, 3]),
      at(["state_dict", "alphas_cumprod"], [1000]),
    );
    const r = classify(input(wrapped, null, { global_step: 470000 }));
    expect(r).toMatchObject({ kind: "checkpoint", base: "sd1" });
    expect(texts(r)).toContain("unwrapped state_dict");
    expect(texts(r)).toContain("2 EMA/scheduler/loss tensors ignored");
  });
});

describe("VAE and look-alikes", () => {
  it("a 4-channel VAE has no decidable base; metadata may supply it", () => {
    const r = classify(input(VAE));
    expect(r).toMatchObject({ kind: "vae", base: "unknown", confidence: "high" });
    expect(texts(r).join(" ")).toContain("SD1, SD2 and SDXL VAEs have identical keys");
    expect(classify(input(VAE, { "modelspec.architecture": "stable-diffusion-xl-v1-base" }))).toMatchObject({
      base: "sdxl",
      confidence: "medium",
    });
  });

  it("a VAE under first_stage_model. alone is still a VAE; 32 channels → flux2", () => {
    expect(classify(input(VAE.map((x) => t(`first_stage_model.${x.name}`, x.shape)))).kind).toBe("vae");
    expect(classify(input([t("decoder.conv_in.weight", [512, 32, 3, 3]), t("bn.running_mean", [128])])).base).toBe(
      "flux2",
    );
  });

  it("RestoreFormer has VAE encoder names plus a codebook: a face restorer, not a VAE", () => {
    const r = classify(input([...VAE, t("quantize.embedding.weight", [1024, 256])]));
    expect(r).toMatchObject({ kind: "upscaler", architecture: "restoreformer" });
  });

  it("TAESD decoder → vae-approx", () => {
    expect(classify(input([t("taesd_decoder.1.weight", [64, 4, 3, 3])]))).toMatchObject({
      kind: "vae-approx",
      architecture: "taesd",
    });
  });
});

describe("ControlNet family, adapters and motion", () => {
  it("diffusers SD1 ControlNet: base from attn2, not from controlnet_mid_block.bias [1280]", () => {
    const r = classify(
      input([
        t("controlnet_cond_embedding.conv_in.weight", [16, 3, 3, 3]),
        t("controlnet_mid_block.bias", [1280]),
        t("conv_in.weight", [320, 4, 3, 3]),
        t("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", [320, 768]),
      ]),
    );
    expect(r).toMatchObject({ kind: "controlnet", base: "sd1", variant: null });
  });

  it("LDM ControlNet with UNet-like keys is a ControlNet; a bare LDM UNet is not", () => {
    const unet = [
      t("input_blocks.0.0.weight", [320, 4, 3, 3]),
      t("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", [640, 2048]),
    ];
    expect(
      classify(
        input([...unet, t("zero_convs.0.0.weight", [320, 320, 1, 1]), t("input_hint_block.0.weight", [16, 3, 3, 3])]),
      ),
    ).toMatchObject({ kind: "controlnet", base: "sdxl" });
    expect(classify(input([...unet, t("out.2.weight", [4, 320, 3, 3])]))).toMatchObject({
      kind: "diffusion-model",
      base: "sdxl",
    });
  });

  it("SparseCtrl vs motion module", () => {
    const motion = [
      t(
        "down_blocks.0.motion_modules.0.temporal_transformer.transformer_blocks.0.attention_blocks.0.pos_encoder.pe",
        [1, 32, 320],
      ),
      t("up_blocks.2.motion_modules.0.temporal_transformer.norm.weight", [640]),
    ];
    expect(classify(input(motion))).toMatchObject({ kind: "motion-module", base: "sd1" });
    expect(classify(input([...motion, t("controlnet_cond_embedding.conv_in.weight", [16, 4, 3, 3])]))).toMatchObject({
      kind: "controlnet",
      architecture: "sparsectrl",
    });
  });

  it("Control-LoRA, LLLite, T2I-Adapter", () => {
    expect(
      classify(
        input([
          t("lora_controlnet", []),
          t("input_blocks.4.1.transformer_blocks.0.attn2.to_k.down", [128, 2048]),
          t("input_blocks.4.1.transformer_blocks.0.attn2.to_k.up", [640, 128]),
        ]),
      ),
    ).toMatchObject({ kind: "controlnet", architecture: "control-lora", base: "sdxl", algorithm: null });
    expect(
      classify(
        input([
          t("lllite_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.conditioning1.0.weight", [32, 3, 4, 4]),
        ]),
      ),
    ).toMatchObject({ kind: "controlnet", architecture: "controlnet-lllite" });
    expect(
      classify(input([t("conv_in.weight", [320, 768, 3, 3]), t("body.0.block1.weight", [320, 320, 3, 3])])),
    ).toMatchObject({ kind: "t2i-adapter", base: "sdxl" });
  });

  it("IP-Adapter .bin joined from image_proj/ip_adapter; base from to_k_ip in-width", () => {
    const r = classify(
      input([at(["image_proj", "proj.weight"], [8192, 1280]), at(["ip_adapter", "1.to_k_ip.weight"], [640, 2048])]),
    );
    expect(r).toMatchObject({ kind: "ip-adapter", base: "sdxl", architecture: "ip-adapter" });
    expect(texts(r)).toContain("image projection in-dim 1280 → needs ViT-bigG image encoder");
  });

  it("the IP-Adapter folder's image encoder is clip-vision", () => {
    const r = classify(
      input([
        t("vision_model.embeddings.position_embedding.weight", [257, 1280]),
        t("vision_model.encoder.layers.31.layer_norm1.weight", [1280]),
        t("vision_model.encoder.layers.30.layer_norm1.weight", [1280]),
        t("visual_projection.weight", [1024, 1280]),
      ]),
    );
    expect(r).toMatchObject({ kind: "clip-vision", architecture: "vit-h" });
  });

  it("FLUX Redux needs exactly its four keys", () => {
    const redux = ["redux_down.bias", "redux_down.weight", "redux_up.bias", "redux_up.weight"].map((k) => t(k, [4096]));
    expect(classify(input(redux))).toMatchObject({ kind: "style-model", base: "flux" });
    expect(classify(input([...redux, t("extra.weight", [4])])).kind).toBe("unknown");
  });
});

describe("text encoders, embeddings, hypernetworks, upscalers", () => {
  it("CLIP-G before CLIP-L; a full CLIPModel goes to clip-vision", () => {
    const layer = (n: number) => t(`text_model.encoder.layers.${n}.mlp.fc1.weight`, [5120, 1280]);
    expect(classify(input([layer(0), layer(30), layer(31)]))).toMatchObject({
      kind: "text-encoder",
      architecture: "clip-g",
    });
    expect(
      classify(
        input([
          t("text_model.encoder.layers.0.mlp.fc1.weight", [3072, 768]),
          t("vision_model.encoder.layers.22.layer_norm1.weight", [1024]),
        ]),
      ),
    ).toMatchObject({ kind: "clip-vision", architecture: "vit-l" });
  });

  it("T5-XXL by the gated FFN width", () => {
    const r = classify(
      input([
        t("encoder.block.0.layer.0.SelfAttention.k.weight", [4096, 4096]),
        t("encoder.block.23.layer.1.DenseReluDense.wi_1.weight", [10240, 4096]),
      ]),
    );
    expect(r).toMatchObject({ kind: "text-encoder", architecture: "t5-xxl" });
  });

  it("embeddings: A1111 string_to_param, kohya emb_params, SDXL clip_g+clip_l, diffusers {token: tensor}", () => {
    expect(classify(input([at(["string_to_param", "*"], [2, 1024])], null, { name: "x", step: 1000 }))).toMatchObject({
      kind: "embedding",
      base: "sd2",
    });
    expect(classify(input([t("emb_params", [8, 768], "F32")]))).toMatchObject({ kind: "embedding", base: "sd1" });
    expect(classify(input([t("clip_g", [4, 1280]), t("clip_l", [4, 768])]))).toMatchObject({
      kind: "embedding",
      base: "sdxl",
    });
    expect(classify(input([at(["<cat-toy>"], [768])]))).toMatchObject({
      kind: "embedding",
      base: "sd1",
      confidence: "medium",
    });
  });

  it("hypernetwork: integer keys with tuples of layer dicts", () => {
    const tensors = [768, 320, 640, 1280].flatMap((w) => [0, 1].map((i) => at([w, i, "linear.0.weight"], [w * 2, w])));
    expect(classify(input(tensors, null, { name: "hn", step: 5 }))).toMatchObject({
      kind: "hypernetwork",
      base: "sd1",
    });
  });

  it("RealESRGAN ×2 under params_ema; SwinIR prefers params_ema over params", () => {
    const esr = ["conv_first.weight", "body.0.rdb1.conv1.weight", "conv_body.weight", "conv_last.weight"];
    const r = classify(
      input(esr.map((k) => at(["params_ema", k], k === "conv_first.weight" ? [64, 12, 3, 3] : [64, 64, 3, 3]))),
    );
    expect(r).toMatchObject({ kind: "upscaler", architecture: "realesrgan" });
    expect(texts(r)).toContain("conv_first in-ch 12 → ×2");
    const swin = [
      "layers.0.residual_group.blocks.0.norm1.weight",
      "conv_first.weight",
      "layers.0.residual_group.blocks.0.mlp.fc1.bias",
      "layers.0.residual_group.blocks.0.attn.relative_position_index",
      "conv_up1.weight",
      "conv_up2.weight",
    ];
    const both = [...swin.map((k) => at(["params", k], [4])), ...swin.map((k) => at(["params_ema", k], [4]))];
    const s = classify(input(both));
    expect(s).toMatchObject({ kind: "upscaler", architecture: "swinir" });
    expect(texts(s)).toContain("unwrapped params_ema");
  });

  it("a DataParallel module. prefix is stripped", () => {
    expect(
      classify(input([t("module.m_head.0.weight", [64, 3, 3, 3]), t("module.m_tail.0.weight", [3, 64, 3, 3])]))
        .architecture,
    ).toBe("scunet");
  });
});

describe("unknown stays unknown", () => {
  it("an empty header", () => {
    expect(classify(input([]))).toMatchObject({
      kind: "unknown",
      confidence: "low",
      evidence: [{ rule: "no-tensors", text: "no tensors" }],
    });
  });

  it("random keys say what was seen", () => {
    const r = classify(input([t("foo.bar.weight", [3, 3]), t("foo.baz", [7]), t("qux", [1, 2, 3])]));
    expect(r).toMatchObject({ kind: "unknown", base: "unknown", confidence: "low" });
    expect(texts(r)[0]).toBe("3 tensors match no rule; roots: foo* (2), qux* (1)");
  });

  it("metadata never turns an unknown file into a base", () => {
    expect(classify(input([t("qux", [5, 5, 5])], { ss_base_model_version: "sdxl_base_v1-0" })).base).toBe("unknown");
  });

  it("a substring is no key: `model.diffusion_model` inside another name decides nothing", () => {
    expect(classify(input([t("my.model.diffusion_model.input_blocks.0.0.weight", [320, 4, 3, 3])])).kind).toBe(
      "unknown",
    );
  });
});
