import { isCollection, isMap, isPair, isScalar, parseDocument, visit } from "yaml";
import type { ConfigProblem } from "./sidecar-policy.js";

/**
 * Every `target` the model configs shipped by the WebUIs name: AUTOMATIC1111's `configs/*.yaml`, the Stability AI
 * repositories it clones (`stablediffusion` `configs/stable-diffusion/`, `generative-models` `configs/inference/`),
 * and the `configs/*.yaml` Forge and SD.Next carried while they loaded checkpoints from configs. A1111 builds a
 * checkpoint with `instantiate_from_config`, which imports the module named by each `target` and calls it with
 * `params`, so a `<checkpoint>.yaml` is code as much as a pickle is.
 *
 * Exact names, never prefixes: `ldm.` also covers `ldm.util.instantiate_from_config` (which builds whatever its
 * argument names) and any module an extension drops into an `ldm` folder; a prefix would let `sgm.` or `modules.`
 * vouch for callables no shipped config uses. The data and logging targets (`main.…`, `ldm.data.…`,
 * `torchvision.transforms.…`) appear only in the `data:`/`lightning:` sections of shipped configs, which the WebUIs
 * never instantiate; they are allowed so that the configs users download beside a checkpoint still travel.
 */
export const CONFIG_TARGETS: ReadonlySet<string> = new Set([
  "ldm.models.autoencoder.AutoencoderKL",
  "ldm.models.diffusion.ddpm.ImageEmbeddingConditionedLatentDiffusion",
  "ldm.models.diffusion.ddpm.LatentDepth2ImageDiffusion",
  "ldm.models.diffusion.ddpm.LatentDiffusion",
  "ldm.models.diffusion.ddpm.LatentInpaintDiffusion",
  "ldm.models.diffusion.ddpm.LatentUpscaleDiffusion",
  "ldm.modules.diffusionmodules.openaimodel.UNetModel",
  "ldm.modules.diffusionmodules.upscaling.ImageConcatWithNoiseAugmentation",
  "ldm.modules.encoders.modules.CLIPEmbeddingNoiseAugmentation",
  "ldm.modules.encoders.modules.ClipImageEmbedder",
  "ldm.modules.encoders.modules.FrozenCLIPEmbedder",
  "ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder",
  "ldm.modules.encoders.modules.FrozenOpenCLIPImageEmbedder",
  "ldm.modules.midas.api.MiDaSInference",
  "ldm.lr_scheduler.LambdaLinearScheduler",
  "modules.hijack.ddpm_edit.LatentDiffusion",
  "modules.models.diffusion.ddpm_edit.LatentDiffusion",
  "modules.models.sd3.sd3_model.SD3Inferencer",
  "modules.xlmr.BertSeriesModelWithTransformation",
  "modules.xlmr_m18.BertSeriesModelWithTransformation",
  "sgm.models.autoencoder.AutoencoderKL",
  "sgm.models.autoencoder.AutoencoderKLInferenceWrapper",
  "sgm.models.autoencoder.AutoencoderKLModeOnly",
  "sgm.models.autoencoder.AutoencodingEngine",
  "sgm.models.diffusion.DiffusionEngine",
  "sgm.modules.GeneralConditioner",
  "sgm.modules.autoencoding.regularizers.DiagonalGaussianRegularizer",
  "sgm.modules.autoencoding.temporal_ae.VideoDecoder",
  "sgm.modules.diffusionmodules.denoiser.Denoiser",
  "sgm.modules.diffusionmodules.denoiser.DiscreteDenoiser",
  "sgm.modules.diffusionmodules.denoiser_scaling.EpsScaling",
  "sgm.modules.diffusionmodules.denoiser_scaling.VScaling",
  "sgm.modules.diffusionmodules.denoiser_scaling.VScalingWithEDMcNoise",
  "sgm.modules.diffusionmodules.denoiser_weighting.EpsWeighting",
  "sgm.modules.diffusionmodules.denoiser_weighting.VWeighting",
  "sgm.modules.diffusionmodules.discretizer.LegacyDDPMDiscretization",
  "sgm.modules.diffusionmodules.model.Decoder",
  "sgm.modules.diffusionmodules.model.Encoder",
  "sgm.modules.diffusionmodules.openaimodel.UNetModel",
  "sgm.modules.diffusionmodules.video_model.VideoUNet",
  "sgm.modules.encoders.modules.ConcatTimestepEmbedderND",
  "sgm.modules.encoders.modules.FrozenCLIPEmbedder",
  "sgm.modules.encoders.modules.FrozenOpenCLIPEmbedder",
  "sgm.modules.encoders.modules.FrozenOpenCLIPEmbedder2",
  "sgm.modules.encoders.modules.FrozenOpenCLIPImageEmbedder",
  "sgm.modules.encoders.modules.FrozenOpenCLIPImagePredictionEmbedder",
  "sgm.modules.encoders.modules.VideoPredictionEmbedderWithEncoder",
  "torch.nn.Identity",
  "main.DataModuleFromConfig",
  "main.ImageLogger",
  "edit_dataset.EditDataset",
  "ldm.data.laion.AddMask",
  "ldm.data.laion.WebDataModuleFromConfig",
  "torchvision.transforms.CenterCrop",
  "torchvision.transforms.RandomCrop",
  "torchvision.transforms.Resize",
]);

/**
 * Every string value the `model:` section of a shipped config holds. The allowed targets are called with `params`,
 * and some of those load files or fetch from a hub: `ckpt_path` (DDPM, AutoencoderKL) and `clip_stats_path`
 * (CLIPEmbeddingNoiseAugmentation) are passed to `torch.load`, which unpickles; `version`/`arch`/`model` name
 * Hugging Face, OpenCLIP or OpenAI CLIP weights to download and load. So under `model:` a string travels only if a
 * shipped config uses it; numbers, booleans and null carry no such reference.
 */
export const CONFIG_MODEL_STRINGS: ReadonlySet<string> = new Set([
  "ViT-L/14",
  "ViT-bigG-14",
  "XLMR-Large",
  "aesthetic_score",
  "azimuths_rad",
  "checkpoints/karlo_models/ViT-L-14_stats.th",
  "cond_aug",
  "cond_frames",
  "cond_frames_without_noise",
  "crop_coords_top_left",
  "crossattn",
  "crossattn-adm",
  "dpt_hybrid",
  "edit",
  "edited",
  "fps_id",
  "hidden",
  "hybrid",
  "hybrid-adm",
  "jpg",
  "laion2b_s39b_b160k",
  "learned_with_images",
  "lr",
  "motion_bucket_id",
  "original_size_as_tuple",
  "penultimate",
  "polars_rad",
  "sequential",
  "softmax-xformers",
  "squaredcos_cap_v2",
  "target_size_as_tuple",
  "txt",
  "v",
  "val/loss_simple_ema",
  "val/rec_loss",
  "vanilla",
  "vanilla-xformers",
]);

/**
 * Deepest nesting a config may have. Shipped configs reach 12 levels (`model.params.conditioner_config.params.
 * emb_models[].params…`); the bound keeps a hostile `[[[[…` from costing a deep recursion.
 */
const MAX_CONFIG_DEPTH = 32;

/**
 * Whether `text` is a model config the WebUIs' shipped configs vouch for, or what is wrong with it. Parsed as one
 * YAML 1.2 core-schema document with no tags, no anchors or aliases and no duplicate keys, and walked as parsed
 * nodes: it is never converted to objects, so an alias is never expanded (a "billion laughs" file is refused, not
 * grown). Then every `target` at any depth must be in {@link CONFIG_TARGETS}, and every string under `model:` in
 * {@link CONFIG_MODEL_STRINGS}. The caller bounds the text (`SIDECAR_MAX_BYTES`).
 */
export function checkModelConfig(text: string): ConfigProblem | null {
  const doc = parseDocument(text, { schema: "core", uniqueKeys: true, merge: false, prettyErrors: false });
  // Tags and anchors first: an unknown tag is only a warning to the parser, and it is the more telling reason.
  let problem: ConfigProblem | null = null;
  visit(doc, {
    Alias() {
      problem = { type: "alias" };
      return visit.BREAK;
    },
    Node(_, node) {
      if (node.tag !== undefined) problem = { type: "tag", tag: node.tag };
      else if (node.anchor !== undefined) problem = { type: "alias" };
      return problem ? visit.BREAK : undefined;
    },
  });
  if (problem) return problem;
  const [error] = [...doc.errors, ...doc.warnings];
  if (error) return { type: "syntax", detail: error.code };

  const root = doc.contents;
  const model = isMap(root) ? root.get("model", true) : null;
  if (!isMap(model) || !isScalar(model.get("target", true))) return { type: "no-model" };
  return checkNode(root, "", 0, false);
}

/** The first problem under `node` (at dotted `path`), depth first; `inModel`: below the top-level `model` key. */
function checkNode(node: unknown, path: string, depth: number, inModel: boolean): ConfigProblem | null {
  if (depth > MAX_CONFIG_DEPTH) return { type: "syntax", detail: `nested deeper than ${MAX_CONFIG_DEPTH} levels` };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key) || typeof pair.key.value !== "string") {
        return { type: "syntax", detail: `a key at ${path || "the top"} is not a plain string` };
      }
      const key = pair.key.value;
      const at = path === "" ? key : `${path}.${key}`;
      const below = inModel || (depth === 0 && key === "model");
      if (key === "target") {
        if (!isScalar(pair.value) || typeof pair.value.value !== "string")
          return { type: "target-not-string", path: at };
        if (!CONFIG_TARGETS.has(pair.value.value)) return { type: "target", path: at, target: pair.value.value };
        continue;
      }
      const problem = checkNode(pair.value, at, depth + 1, below);
      if (problem) return problem;
    }
    return null;
  }
  if (isCollection(node)) {
    for (const [index, item] of node.items.entries()) {
      const problem = checkNode(item, `${path}[${index}]`, depth + 1, inModel);
      if (problem) return problem;
    }
    return null;
  }
  if (isScalar(node) && typeof node.value === "string" && inModel && !CONFIG_MODEL_STRINGS.has(node.value)) {
    return { type: "value", path, value: node.value };
  }
  return null;
}
