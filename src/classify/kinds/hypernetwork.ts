import { comfy, folder, type KindLayout, NO_FOLDER, sharedLibrary, swarm } from "../../model/ui-folders.js";
import { defineKind } from "../kind-declaration.js";
import type { NormalizedHeader } from "../normalize.js";
import type { Description, Rule } from "../rule.js";

function describeHypernetwork(header: NormalizedHeader): Description {
  const widths = header.hypernetworkWidths;
  const evidence = [`integer keys ${widths.join("/")} with linear layers`];
  // The key is the cross-attention context width: 768 only exists in SD1 and 1024 only in SD2 (A1111 hypernetwork.py).
  if (widths.includes(1024)) return { base: "sd2", evidence: [...evidence, "context width 1024 → sd2"] };
  if (widths.includes(768)) return { base: "sd1", evidence: [...evidence, "context width 768 → sd1"] };
  return { base: "unknown", confidence: "medium", evidence };
}

const rules: readonly Rule[] = [
  {
    id: "hypernetwork",
    stage: "hypernetwork",
    all: [{ feature: "hypernetwork-layers" }],
    describe: describeHypernetwork,
  },
];

const A1111_HYPERNETWORKS: KindLayout = { folder: folder("hypernetworks", [".pt"], { setting: "hypernetwork_dir" }) };

export const hypernetwork = defineKind({
  name: "hypernetwork",
  // Integer root keys: after the embeddings, before the upscalers.
  stages: [{ name: "hypernetwork", order: 140 }],
  rules,
  baseBearing: true,
  folders: {
    a1111: A1111_HYPERNETWORKS,
    forge: A1111_HYPERNETWORKS,
    sdnext: { folder: folder("hypernetworks", [".pt"]) },
    comfyui: { folder: comfy("hypernetworks") },
    swarmui: { folder: swarm("hypernetworks") },
    fooocus: NO_FOLDER,
    stabilitymatrix: { folder: sharedLibrary("Hypernetwork") },
  },
  civitai: { types: ["hypernetwork"] },
});
