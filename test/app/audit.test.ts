import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeLightningCheckpoint } from "../../fixtures/lightning-checkpoint.js";
import { A1111_MESS_MARKERS, writeMessyWebui } from "../../fixtures/messy-webui.js";
import type { AuditReport } from "../../src/cli/report/audit-report.js";
import { runCli } from "../cli/run-cli.js";
import { useTempDirs } from "../helpers.js";
import { filesUnder, touch, treeListing } from "../install/fake-webui.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-audit-");

/** Every file with size and mtime, minus sdmodels' own folder and folder mtimes (moves change those). */
async function listing(root: string): Promise<string[]> {
  return (await treeListing(root)).filter((l) => !l.startsWith(".sdmodels")).map((l) => l.replace(/\/ mtime=.*$/, "/"));
}

function paths(report: AuditReport, type: string): string[] {
  return report.findings
    .filter((f) => f.type === type)
    .map((f) => ("path" in f ? f.path : f.keep).slice(report.webui.root.length + 1))
    .sort();
}

describe.each(["a1111", "comfyui"] as const)("sdmodels audit on a messy %s tree", (ui) => {
  it("reports every problem, grouped, and changes nothing", async () => {
    const tree = await writeMessyWebui(join(await tempDir(), ui), ui);
    const env = { SDMODELS_STATE_DIR: join(tree.root, "..", "state") };
    const before = await treeListing(tree.root);
    const run = await cli(["audit", "--webui", tree.root, "--json"], { env });
    expect(run.code).toBe(3); // a dangerous file sits in a model folder
    expect(await treeListing(tree.root)).toEqual(before);
    const report = JSON.parse(run.stdout) as AuditReport;
    const e = tree.expected;
    expect(paths(report, "misplaced")).toEqual([...e.misplaced].sort());
    expect(paths(report, "dangerous")).toEqual(e.dangerous);
    expect(paths(report, "not-a-model")).toEqual(e.notModels);
    expect(paths(report, "wrong-extension")).toEqual(e.wrongExtension);
    expect(paths(report, "orphan-sidecar")).toEqual(e.orphanSidecars);
    expect(paths(report, "unknown")).toEqual(e.unknown);
    const dup = report.findings.find((f) => f.type === "duplicate");
    expect(dup).toMatchObject({
      keep: join(tree.root, e.duplicates.keep),
      copies: e.duplicates.copies.map((c) => join(tree.root, c)),
    });
    expect(dup?.type === "duplicate" && dup.wastedBytes).toBe(2 * (dup?.type === "duplicate" ? dup.size : 0));
    for (const fine of e.fine)
      expect(report.findings.some((f) => "path" in f && f.path === join(tree.root, fine))).toBe(false);

    const text = await cli(["audit", "--webui", tree.root], { env });
    expect(text.stdout).toMatch(/^dangerous: code runs when loaded \(1\) — --fix: quarantined$/m);
    expect(text.stdout.indexOf("dangerous")).toBeLessThan(text.stdout.indexOf("misplaced"));
  });

  it("--fix heals the tree in one journaled batch; a second audit finds nothing; undo restores all but the dangerous file", async () => {
    const tree = await writeMessyWebui(join(await tempDir(), ui), ui);
    const env = { SDMODELS_STATE_DIR: join(tree.root, "..", "state") };
    const before = await listing(tree.root);

    const dry = await cli(["audit", "--webui", tree.root, "--fix", "--dry-run", "--json"], { env });
    expect(await listing(tree.root)).toEqual(before);
    const dryReport = JSON.parse(dry.stdout) as AuditReport;
    expect(dryReport.fix?.dryRun).toBe(true);

    const run = await cli(["audit", "--webui", tree.root, "--fix", "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(report.fix?.batchId).toMatch(/./);
    expect(report.fix?.plan.filter((p) => p.action === "move").map((p) => p.source)).toEqual(
      dryReport.fix?.plan.filter((p) => p.action === "move").map((p) => p.source),
    );
    const quarantine = report.quarantine!;
    const quarantined = await filesUnder(quarantine);
    const e = tree.expected;
    for (const rel of [...e.dangerous, ...e.notModels, ...e.duplicates.copies]) expect(quarantined).toContain(rel);
    // The misplaced LoRA took its preview along.
    const loraDir = ui === "a1111" ? "models/Lora" : "models/loras";
    const files = await filesUnder(tree.root);
    expect(files).toContain(`${loraDir}/add_detail.safetensors`);
    expect(files).toContain(`${loraDir}/add_detail.preview.png`);
    expect(files).toContain(`${loraDir}/detail_slider.safetensors`);

    const again = JSON.parse((await cli(["audit", "--webui", tree.root, "--json"], { env })).stdout) as AuditReport;
    expect(again.summary.problems).toBe(0);

    // The dangerous pickle stays in quarantine: undo never lets code back where the UI loads it (exit 9, refused).
    const undo = await cli(["undo", "--webui", tree.root], { env });
    expect(undo.code).toBe(9);
    expect(undo.stderr).toMatch(/dangerous/);
    expect(await listing(tree.root)).toEqual(before.filter((l) => !e.dangerous.some((d) => l.startsWith(`${d} `))));
    expect(await filesUnder(quarantine)).toEqual(e.dangerous);
  });
});

describe("suspicious files in an audited WebUI", () => {
  /** An A1111 tree whose checkpoint folder holds SD 1.4's Lightning training checkpoint (needs trusting). */
  async function withSuspiciousCheckpoint() {
    const root = join(await tempDir(), "webui");
    await touch(root, [...A1111_MESS_MARKERS, "models/Stable-diffusion/"]);
    await writeLightningCheckpoint(join(root, "models/Stable-diffusion/sd-v1-4-full-ema.ckpt"));
    return { root, env: { SDMODELS_STATE_DIR: join(root, "..", "state") } };
  }

  it("are reported with what to do, and --fix leaves them where they are", async () => {
    const { root, env } = await withSuspiciousCheckpoint();
    const text = await cli(["audit", "--webui", root], { env });
    expect(text.code).toBe(0);
    const heading = "suspicious: not provably safe (1) — --fix --quarantine-suspicious: quarantined";
    expect(text.stdout.split("\n")).toContain(heading);
    expect(text.stdout).toContain(
      "→ keep it only if you trust its source (prefer a .safetensors release); " +
        `\`sdmodels inspect ${join(root, "models/Stable-diffusion/sd-v1-4-full-ema.ckpt")}\` says why`,
    );
    const fix = JSON.parse((await cli(["audit", "--webui", root, "--fix", "--json"], { env })).stdout) as AuditReport;
    expect(fix.findings.map((f) => f.type)).toEqual(["suspicious"]);
    expect(fix.fix?.plan).toEqual([]);
    expect(await filesUnder(join(root, "models/Stable-diffusion"))).toEqual(["sd-v1-4-full-ema.ckpt"]);
  });

  it("--fix --quarantine-suspicious moves them to the quarantine, journaled; undo puts them back", async () => {
    const { root, env } = await withSuspiciousCheckpoint();
    const before = await listing(root);
    const run = await cli(["audit", "--webui", root, "--fix", "--quarantine-suspicious", "--json"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(await filesUnder(report.quarantine!)).toEqual(["models/Stable-diffusion/sd-v1-4-full-ema.ckpt"]);
    expect(await filesUnder(join(root, "models/Stable-diffusion"))).toEqual([]);
    expect((await cli(["undo", "--webui", root], { env })).code).toBe(0);
    expect(await listing(root)).toEqual(before);
  });

  it("--quarantine-suspicious without --fix is a usage error", async () => {
    const { root, env } = await withSuspiciousCheckpoint();
    const run = await cli(["audit", "--webui", root, "--quarantine-suspicious"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--quarantine-suspicious needs --fix/);
  });
});
