import { describe, expect, it } from "vitest";
import { classify } from "../../src/classify/classify.js";
import { ALGORITHMS } from "../../src/classify/lora-modules.js";
import { input, kohya, t, texts } from "./build.js";

const SD1_ATTN2 = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
const SDXL_ATTN2 = "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k";

describe("LoRA family: algorithm from complete module groups", () => {
  it("kohya SD1: attn2 in-dim 768, 4-D proj_in, te width 768", () => {
    const r = classify(
      input([
        ...kohya(SD1_ATTN2, [128, 768], [320, 128]),
        ...kohya("lora_unet_down_blocks_0_attentions_0_proj_in", [128, 320, 1, 1], [320, 128, 1, 1]),
        ...kohya("lora_te_text_model_encoder_layers_0_mlp_fc1", [128, 768], [3072, 128]),
      ]),
    );
    expect(r).toMatchObject({ kind: "lora", algorithm: "lora", base: "sd1", confidence: "high" });
    expect(texts(r)).toContain("attn2.to_k in-dim 768 → sd1");
  });

  it("kohya SDXL: attn2 in-dim 2048 decides, time_emb_proj (1280 everywhere) does not", () => {
    const r = classify(
      input([
        ...kohya("lora_unet_input_blocks_1_0_emb_layers_1", [32, 1280], [320, 32]),
        ...kohya(SDXL_ATTN2, [32, 2048], [640, 32]),
      ]),
    );
    expect(r).toMatchObject({ kind: "lora", base: "sdxl" });
  });

  it("a UNet-only SD1 LoRA whose first module is time_emb_proj is not SDXL", () => {
    const r = classify(
      input([
        ...kohya("lora_unet_down_blocks_0_resnets_0_time_emb_proj", [16, 1280], [320, 16]),
        ...kohya("lora_unet_down_blocks_0_attentions_0_proj_in", [16, 320, 1, 1], [320, 16, 1, 1]),
      ]),
    );
    expect(r.base).toBe("sd1");
    expect(texts(r)).toContain("proj_in lora_down is 4-D → sd1");
  });

  it("SDXL by structure alone: transformer block ≥ 2", () => {
    const r = classify(
      input(kohya("lora_unet_input_blocks_7_1_transformer_blocks_3_attn1_to_q", [8, 1280], [1280, 8])),
    );
    expect(r).toMatchObject({ kind: "lora", base: "sdxl", confidence: "high" });
  });

  it("SDXL by text encoders: lora_te2_ width 1280", () => {
    const r = classify(
      input([
        ...kohya("lora_te1_text_model_encoder_layers_0_self_attn_k_proj", [32, 768], [768, 32]),
        ...kohya("lora_te2_text_model_encoder_layers_0_mlp_fc1", [32, 1280], [5120, 32]),
      ]),
    );
    expect(r.base).toBe("sdxl");
  });

  it("LoCon: a 3×3 lora_down on a resnet conv", () => {
    const r = classify(
      input([
        ...kohya(SD1_ATTN2, [16, 768], [320, 16]),
        ...kohya("lora_unet_down_blocks_0_resnets_0_conv1", [8, 320, 3, 3], [320, 8, 1, 1]),
      ]),
    );
    expect(r).toMatchObject({ algorithm: "locon", base: "sd1" });
  });

  it("LoHa: hada_w1_b in-width gives the base", () => {
    const m = SDXL_ATTN2;
    const r = classify(
      input([
        t(`${m}.hada_w1_a`, [640, 8]),
        t(`${m}.hada_w1_b`, [8, 2048]),
        t(`${m}.hada_w2_a`, [640, 8]),
        t(`${m}.hada_w2_b`, [8, 2048]),
        t(`${m}.alpha`, []),
      ]),
    );
    expect(r).toMatchObject({ kind: "lora", algorithm: "loha", base: "sdxl" });
    expect(texts(r)[1]).toBe("hada_w1_a in 1 modules → loha");
  });

  it("LoKr: in-width is w1.shape[1] × w2.shape[1], factorised or not", () => {
    const m = SD1_ATTN2;
    const r = classify(input([t(`${m}.lokr_w1`, [4, 8]), t(`${m}.lokr_w2_a`, [80, 4]), t(`${m}.lokr_w2_b`, [4, 96])]));
    expect(r).toMatchObject({ algorithm: "lokr", base: "sd1" });
  });

  it("IA³ needs on_input next to the module weight", () => {
    const m = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_k";
    expect(classify(input([t(`${m}.weight`, [320]), t(`${m}.on_input`, [])])).algorithm).toBe("ia3");
    expect(classify(input([t(`${m}.weight`, [320])])).kind).toBe("unknown");
  });

  it("OFT (3-D blocks) vs BOFT (4-D blocks)", () => {
    const m = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    expect(classify(input([t(`${m}.oft_blocks`, [4, 80, 80]), t(`${m}.alpha`, [])])).algorithm).toBe("oft");
    expect(classify(input([t(`${m}.oft_blocks`, [2, 4, 80, 80])])).algorithm).toBe("boft");
    expect(classify(input([t(`${m}.oft_diag`, [4, 80, 80])])).algorithm).toBe("oft");
  });

  it("GLoRA, DoRA and full diff", () => {
    const m = SD1_ATTN2;
    const glora = ["a1", "a2", "b1", "b2"].map((p) => t(`${m}.${p}.weight`, p.endsWith("1") ? [8, 768] : [320, 8]));
    expect(classify(input(glora))).toMatchObject({ algorithm: "glora", base: "sd1" });
    expect(classify(input([...kohya(m, [8, 768], [320, 8]), t(`${m}.dora_scale`, [1, 768])])).algorithm).toBe("dora");
    expect(classify(input([t(`${m}.diff`, [320, 2048]), t(`${m}.diff_b`, [320])]))).toMatchObject({
      algorithm: "full",
      base: "sdxl",
    });
  });

  it("takes precedence from the order of the algorithm declarations", () => {
    expect(ALGORITHMS).toEqual(["dora", "loha", "lokr", "glora", "boft", "oft", "ia3", "full", "locon", "lora"]);
    // A file mixing LoHa, LoCon and plain LoRA modules is LoHa; one DoRA magnitude makes the whole file DoRA.
    const mixed = [
      ...kohya(SD1_ATTN2, [8, 768], [320, 8]),
      ...kohya("lora_unet_down_blocks_0_resnets_0_conv1", [8, 320, 3, 3], [320, 8, 1, 1]),
      t("lora_unet_up_blocks_1_attentions_0_proj_out.hada_w1_a", [320, 8]),
      t("lora_unet_up_blocks_1_attentions_0_proj_out.hada_w1_b", [8, 320]),
      t("lora_unet_up_blocks_1_attentions_0_proj_out.hada_w2_a", [320, 8]),
      t("lora_unet_up_blocks_1_attentions_0_proj_out.hada_w2_b", [8, 320]),
    ];
    expect(classify(input(mixed)).algorithm).toBe("loha");
    expect(classify(input([...mixed, t(`${SD1_ATTN2}.dora_scale`, [320, 1])])).algorithm).toBe("dora");
    expect(classify(input(mixed.slice(0, 6))).algorithm).toBe("locon");
  });

  it("an incomplete group (lora_down without lora_up) is not a LoRA", () => {
    const r = classify(input([t(`${SD1_ATTN2}.lora_down.weight`, [8, 768]), t(`${SD1_ATTN2}.alpha`, [])]));
    expect(r.kind).toBe("unknown");
    expect(texts(r).join(" ")).toContain("incomplete");
  });
});

describe("LoRA formats", () => {
  it("diffusers PEFT with named adapter `.default.`", () => {
    const m = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k";
    const r = classify(input([t(`${m}.lora_A.default.weight`, [4, 2048]), t(`${m}.lora_B.default.weight`, [640, 4])]));
    expect(r).toMatchObject({ kind: "lora", algorithm: "lora", base: "sdxl" });
  });

  it("old attention-processor form `.processor.to_k_lora.down.weight`", () => {
    const m = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor";
    const r = classify(input([t(`${m}.to_k_lora.down.weight`, [4, 1024]), t(`${m}.to_k_lora.up.weight`, [320, 4])]));
    expect(r).toMatchObject({ kind: "lora", base: "sd2" });
  });

  it("FLUX kohya, ai-toolkit, diffusers, OneTrainer and XLabs", () => {
    const cases = [
      kohya("lora_unet_double_blocks_0_img_attn_proj", [16, 3072], [3072, 16]),
      [
        t("diffusion_model.double_blocks.0.img_attn.proj.lora_A.weight", [16, 3072]),
        t("diffusion_model.double_blocks.0.img_attn.proj.lora_B.weight", [3072, 16]),
      ],
      [
        t("transformer.single_transformer_blocks.0.attn.to_k.lora_A.weight", [16, 3072]),
        t("transformer.single_transformer_blocks.0.attn.to_k.lora_B.weight", [3072, 16]),
      ],
      kohya("lora_transformer_single_transformer_blocks_0_attn_to_k", [16, 3072], [3072, 16]),
      [
        t("double_blocks.0.processor.proj_lora1.down.weight", [16, 3072]),
        t("double_blocks.0.processor.proj_lora1.up.weight", [3072, 16]),
      ],
    ];
    for (const tensors of cases) expect(classify(input(tensors))).toMatchObject({ kind: "lora", base: "flux" });
  });

  it("FLUX.2 by hidden width 6144", () => {
    expect(classify(input(kohya("lora_unet_double_blocks_0_img_attn_qkv", [16, 6144], [18432, 16]))).base).toBe(
      "flux2",
    );
  });

  it("SD3: kohya joint_blocks; diffusers add_q_proj without single blocks", () => {
    expect(classify(input(kohya("lora_unet_joint_blocks_0_x_block_attn_qkv", [16, 1536], [4608, 16]))).base).toBe(
      "sd3",
    );
    const m = "transformer.transformer_blocks.0.attn.add_q_proj";
    expect(classify(input([t(`${m}.lora_A.weight`, [16, 1536]), t(`${m}.lora_B.weight`, [1536, 16])])).base).toBe(
      "sd3",
    );
  });

  it("AnimateDiff motion LoRA is a LoRA, not a motion module", () => {
    const m = "down_blocks.0.motion_modules.0.temporal_transformer.transformer_blocks.0.attention_blocks.0.processor";
    const r = classify(input([t(`${m}.to_q_lora.down.weight`, [64, 320]), t(`${m}.to_q_lora.up.weight`, [320, 64])]));
    expect(r).toMatchObject({ kind: "lora", architecture: "motion-lora" });
  });
});

describe("LoRA metadata is support only", () => {
  const sdxl = kohya(SDXL_ATTN2, [32, 2048], [640, 32]);

  it("agreeing metadata is noted", () => {
    const r = classify(input(sdxl, { ss_base_model_version: "sdxl_base_v1-0", ss_network_module: "networks.lora" }));
    expect(r.base).toBe("sdxl");
    expect(texts(r)).toContain("ss_base_model_version sdxl_base_v1-0 agrees");
  });

  it("a base conflict keeps the shapes and says so", () => {
    const r = classify(input(sdxl, { ss_base_model_version: "sd_v1" }));
    expect(r).toMatchObject({ base: "sdxl", confidence: "high" });
    expect(texts(r)).toContain("ss_base_model_version sd_v1 says sd1, shapes say sdxl (kept shapes)");
  });

  it("an algorithm conflict keeps the modules and says so", () => {
    const r = classify(input(sdxl, { ss_network_module: "lycoris.kohya", ss_network_args: '{"algo": "loha"}' }));
    expect(r.algorithm).toBe("lora");
    expect(texts(r)).toContain("ss_network_args algo loha says loha, modules say lora (kept modules)");
  });

  it("metadata fills a base the shapes leave open, at medium confidence", () => {
    const attn1 = kohya("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", [8, 320], [320, 8]);
    expect(classify(input(attn1))).toMatchObject({ base: "unknown", confidence: "medium" });
    const r = classify(input(attn1, { "modelspec.architecture": "stable-diffusion-v2-768-v/lora" }));
    expect(r).toMatchObject({ base: "sd2", variant: "v-prediction", confidence: "medium" });
  });
});
