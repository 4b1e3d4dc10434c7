/**
 * llama.cpp's tensor names, as GGUF text encoders carry them, mapped back to the transformers names the rules
 * know (`enc.blk.3.ffn_up.weight` → `encoder.block.3.layer.1.DenseReluDense.wi_1.weight`). ComfyUI-GGUF applies
 * the same renaming when it loads such a file, so the classifier sees what the loader builds. Diffusion GGUFs keep
 * their original names and are left alone.
 */

/** Per-block parts of a T5 encoder block (`enc.blk.N.<part>`). */
const T5_BLOCK_PARTS: Readonly<Record<string, string>> = {
  attn_q: "layer.0.SelfAttention.q",
  attn_k: "layer.0.SelfAttention.k",
  attn_v: "layer.0.SelfAttention.v",
  attn_o: "layer.0.SelfAttention.o",
  attn_rel_b: "layer.0.SelfAttention.relative_attention_bias",
  attn_norm: "layer.0.layer_norm",
  ffn_gate: "layer.1.DenseReluDense.wi_0",
  ffn_up: "layer.1.DenseReluDense.wi_1",
  ffn_down: "layer.1.DenseReluDense.wo",
  ffn_norm: "layer.1.layer_norm",
};

/** Per-block parts of a decoder-only LLM block (`blk.N.<part>`): Llama, Qwen, Gemma naming. */
const LLM_BLOCK_PARTS: Readonly<Record<string, string>> = {
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  attn_q_norm: "self_attn.q_norm",
  attn_k_norm: "self_attn.k_norm",
  attn_norm: "input_layernorm",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
  ffn_norm: "post_attention_layernorm",
  post_attention_norm: "post_attention_layernorm",
  post_ffw_norm: "post_feedforward_layernorm",
};

const T5_WHOLE: Readonly<Record<string, string>> = {
  "token_embd.weight": "shared.weight",
  "enc.output_norm.weight": "encoder.final_layer_norm.weight",
};

const LLM_WHOLE: Readonly<Record<string, string>> = {
  "token_embd.weight": "model.embed_tokens.weight",
  "output_norm.weight": "model.norm.weight",
  "output.weight": "lm_head.weight",
};

const T5_BLOCK = /^enc\.blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/;
const LLM_BLOCK = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/;

/** Which naming a tensor list uses: llama.cpp's T5 encoder, its decoder-only LLMs, or neither. */
export function llamaCppNaming(names: readonly string[]): "t5" | "llm" | null {
  if (!names.includes("token_embd.weight")) return null;
  if (names.some((n) => n.startsWith("enc.blk."))) return "t5";
  if (names.some((n) => n.startsWith("blk."))) return "llm";
  return null;
}

/** The transformers name of one llama.cpp tensor name; unknown parts keep their name. */
export function fromLlamaCppName(name: string, naming: "t5" | "llm"): string {
  const whole = (naming === "t5" ? T5_WHOLE : LLM_WHOLE)[name];
  if (whole !== undefined) return whole;
  const match = (naming === "t5" ? T5_BLOCK : LLM_BLOCK).exec(name);
  const part = match && (naming === "t5" ? T5_BLOCK_PARTS : LLM_BLOCK_PARTS)[match[2]!];
  if (!match || part === undefined) return name;
  return naming === "t5"
    ? `encoder.block.${match[1]}.${part}.${match[3]}`
    : `model.layers.${match[1]}.${part}.${match[3]}`;
}
