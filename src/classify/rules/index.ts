import { orderRules } from "../engine.js";
import type { Rule } from "../rule.js";
import { checkpointRules } from "./checkpoint.js";
import { clipVisionRules } from "./clip-vision.js";
import { controlnetRules } from "./controlnet.js";
import { diffusionModelRules } from "./diffusion-model.js";
import { embeddingRules } from "./embedding.js";
import { hypernetworkRules } from "./hypernetwork.js";
import { ipAdapterRules } from "./ip-adapter.js";
import { loraRules } from "./lora.js";
import { motionModuleRules } from "./motion-module.js";
import { styleModelRules } from "./style-model.js";
import { t2iAdapterRules } from "./t2i-adapter.js";
import { textEncoderRules } from "./text-encoder.js";
import { upscalerRules } from "./upscaler.js";
import { vaeRules } from "./vae.js";
import { vaeApproxRules } from "./vae-approx.js";

/** Every rule, in decision order (see STAGES in ../rule.ts). */
export const RULES: readonly Rule[] = orderRules([
  ...controlnetRules,
  ...motionModuleRules,
  ...t2iAdapterRules,
  ...ipAdapterRules,
  ...styleModelRules,
  ...loraRules,
  ...checkpointRules,
  ...diffusionModelRules,
  ...vaeRules,
  ...vaeApproxRules,
  ...textEncoderRules,
  ...clipVisionRules,
  ...embeddingRules,
  ...hypernetworkRules,
  ...upscalerRules,
]);
