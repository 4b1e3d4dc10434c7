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

export const hypernetworkRules: readonly Rule[] = [
  {
    id: "hypernetwork",
    kind: "hypernetwork",
    stage: "hypernetwork",
    all: [{ feature: "hypernetwork-layers" }],
    describe: describeHypernetwork,
  },
];
