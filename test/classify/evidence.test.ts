import { describe, expect, it, vi } from "vitest";
import { classify } from "../../src/classify/classify.js";
import type { Classification, ClassifyInput } from "../../src/classify/types.js";
import { input, t } from "./build.js";

/**
 * The UNet/DiT probe is shared: ControlNet rules reuse it and drop some of its facts. Rewording every sentence the
 * probe writes must change no decision and drop no other fact, which holds only if rules pick facts by id.
 */
const reword = vi.hoisted(() => ({ on: false }));

vi.mock("../../src/classify/base.js", async (importOriginal) => {
  const base = await importOriginal<typeof import("../../src/classify/base.js")>();
  const reworded = (text: string) => `(reworded) ${text.toUpperCase().replaceAll("-", " ")}`;
  return {
    ...base,
    describeDiffusion: (...args: Parameters<typeof base.describeDiffusion>) => {
      const description = base.describeDiffusion(...args);
      if (!reword.on) return description;
      // Written for strings too, so that this test also runs against a classifier whose evidence is plain text.
      const evidence = description.evidence.map((e: unknown) =>
        typeof e === "string"
          ? reworded(e)
          : { ...(e as { text: string }), text: reworded((e as { text: string }).text) },
      );
      return { ...description, evidence };
    },
  };
});

function both(of: ClassifyInput): { plain: Classification; reworded: Classification } {
  reword.on = false;
  const plain = classify(of);
  reword.on = true;
  try {
    return { plain, reworded: classify(of) };
  } finally {
    reword.on = false;
  }
}

/** The sentences, read the same way from plain-text evidence, so that the test also runs against such a classifier. */
function texts(c: Classification): string[] {
  return c.evidence.map((e: unknown) => (typeof e === "string" ? e : (e as { text: string }).text));
}

function decision(c: Classification) {
  const { kind, base, variant, architecture, confidence } = c;
  return {
    kind,
    base,
    variant,
    architecture,
    confidence,
    facts: c.evidence.length,
    rules: c.evidence.map((e) => e.rule),
  };
}

const SD1_ATTN2 = [320, 768];

describe("classifier evidence is filtered by rule id, never by its wording", () => {
  it("an LDM ControlNet whose UNet copy takes 9 input channels: the input-channel fact is dropped either way", () => {
    const controlnet = input([
      t("control_model.zero_convs.0.0.weight", [320, 320, 1, 1]),
      t("control_model.input_hint_block.0.weight", [16, 3, 3, 3]),
      t("control_model.input_blocks.0.0.weight", [320, 9, 3, 3]),
      t("control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", SD1_ATTN2),
    ]);
    const { plain, reworded } = both(controlnet);
    expect(decision(plain)).toMatchObject({ kind: "controlnet", base: "sd1", variant: null, facts: 3 });
    expect(plain.evidence.map((e) => e.rule)).not.toContain("input-channels");
    expect(texts(reworded)).not.toEqual(texts(plain));
    expect(decision(reworded)).toEqual(decision(plain));
  });

  it("a SparseCtrl without cross-attention: the no-marker fact gives way to the SD1.5-only note either way", () => {
    const sparsectrl = input([
      t("down_blocks.0.motion_modules.0.temporal_transformer.norm.weight", [320]),
      t("controlnet_cond_embedding.conv_in.weight", [16, 4, 3, 3]),
      t("controlnet_down_blocks.0.weight", [320, 320, 1, 1]),
    ]);
    const { plain, reworded } = both(sparsectrl);
    expect(decision(plain)).toMatchObject({ kind: "controlnet", base: "sd1", architecture: "sparsectrl", facts: 3 });
    expect(texts(plain)).toContain("SparseCtrl exists for SD1.5 only");
    expect(texts(reworded).join(" ")).not.toContain("NO UNET");
    expect(decision(reworded)).toEqual(decision(plain));
  });

  it("files each fact under the rule or probe that found it", () => {
    const { plain } = both(
      input([
        t("model.diffusion_model.input_blocks.0.0.weight", [320, 9, 3, 3]),
        t("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", SD1_ATTN2),
        t("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", [49408, 768]),
      ]),
    );
    expect(plain.evidence.map((e) => e.rule)).toEqual(["checkpoint-ldm", "cross-attention-width", "input-channels"]);
  });
});
