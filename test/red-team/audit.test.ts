import { execFileSync } from "node:child_process";
import { existsSync, unlinkSync, utimesSync } from "node:fs";
import { copyFile, link, lstat, mkdir, open, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDiffusersPipeline } from "../../fixtures/diffusers-writer.js";
import { writeHostileCkpt } from "../../fixtures/hostile-ckpt.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { CIVITAI_INFO, PNG_PREVIEW, V_PREDICTION_CONFIG } from "../../fixtures/sidecar-files.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { auditWebui } from "../../src/app/audit.js";
import { createFileHasher } from "../../src/app/file-hasher.js";
import { type AuditReport, auditExitCode, auditReport } from "../../src/cli/report/audit-report.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { runCli, useBuiltCli } from "../cli/run-cli.js";
import { useTempDirs } from "../helpers.js";
import { A1111_MARKERS, filesUnder, touch } from "../install/fake-webui.js";

const tempDir = useTempDirs("sdmodels-redteam-audit-");

/** A fresh A1111 tree and the state folder its runs use. */
async function a1111(): Promise<{ root: string; webui: string; env: Record<string, string> }> {
  const root = await tempDir();
  const webui = join(root, "webui");
  await touch(webui, A1111_MARKERS);
  return { root, webui, env: { SDMODELS_STATE_DIR: join(root, "state") } };
}

async function fixture(id: string, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return writeModelFixture(fixtureById(id), "safetensors", dir, name);
}

const exists = (path: string | Buffer) =>
  lstat(path).then(
    () => true,
    () => false,
  );

async function audit(webui: string, env: Record<string, string>, ...flags: string[]) {
  const run = await runCli(["audit", "--webui", webui, "--json", ...flags], { env });
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as AuditReport) : null };
}

describe("red team: audit --fix and files that share a stem", () => {
  // Unlucky user: `model.ckpt` (the old pickle, dangerous) and `model.safetensors` (the same model re-downloaded in the
  // safe format) sit side by side and share `model.yaml` (v-prediction config) and `model.preview.png`. Quarantining
  // the pickle carries the shared config and preview away: the safe checkpoint now renders with the wrong config.
  it("leaves the .yaml and preview a kept checkpoint of the same stem still uses", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const dir = join(webui, "models/Stable-diffusion");
    await writeHostileCkpt(join(dir, "model.ckpt"));
    await fixture("sd1-checkpoint-ldm-safetensors", dir, "model.safetensors");
    await writeFile(join(dir, "model.yaml"), V_PREDICTION_CONFIG);
    await writeFile(join(dir, "model.preview.png"), PNG_PREVIEW);
    const run = await audit(webui, env, "--fix");
    expect(run.report?.fix?.batchId).toMatch(/./);
    expect(await exists(join(dir, "model.ckpt"))).toBe(false);
    expect(await exists(join(dir, "model.yaml"))).toBe(true);
    expect(await exists(join(dir, "model.preview.png"))).toBe(true);
  });
});

describe("red team: audit exit codes", () => {
  // Attack: the dangerous pickle is a symbolic link in models/Lora to a file in a shared store. --fix skips links
  // ("install the file it points to"), so the pickle stays where A1111 loads it, yet audit exits 0 as if fixed.
  it("does not exit 0 while a dangerous file reached through a link is still in a model folder", {
    timeout: 60_000,
  }, async () => {
    const { root, webui, env } = await a1111();
    const evil = await writeHostileCkpt(join(root, "store/charturner.ckpt"));
    await symlink(evil, join(webui, "models/Lora/charturner.ckpt"));
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.dangerous).toBe(1);
    const stillThere = await exists(join(webui, "models/Lora/charturner.ckpt"));
    if (stillThere) expect(run.code).toBe(3);
  });
});

describe("red team: the quarantine folder", () => {
  // Attack: someone with write access to the WebUI folder pre-creates `.sdmodels/quarantine` as a link into
  // models/Stable-diffusion. --fix then "quarantines" the dangerous pickle into a folder A1111 scans recursively.
  // Fixed: the link is never followed; nothing moves, the pickle stays reported where it was, and audit exits 3.
  it("never quarantines into a folder the UI loads models from", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const evil = await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    await mkdir(join(webui, ".sdmodels"), { recursive: true });
    await symlink("../models/Stable-diffusion", join(webui, ".sdmodels/quarantine"));
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.dangerous).toBe(1);
    const loaded = await filesUnder(join(webui, "models"));
    expect(loaded.filter((p) => p.endsWith("charturner.ckpt"))).toEqual(["Lora/charturner.ckpt"]);
    expect(await exists(evil)).toBe(true);
    expect(run.report?.quarantineProblem?.type).toBe("inside-model-folder");
    expect(run.stderr).toMatch(/cannot quarantine/);
    expect(run.code).toBe(3);
  });
});

describe("red team: orphan sidecars and links", () => {
  // Unlucky user: one LoRA kept under two names by a hard link (a tool that "copies" with `ln`), each with its preview.
  // Audit inspects the file once and calls the other name's preview an orphan whose model is gone.
  it("does not call the preview of a hard-linked model an orphan", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const lora = await fixture("sd1-lora-kohya", join(webui, "models/Lora"), "a.safetensors");
    await mkdir(join(webui, "models/Lora/mirror"), { recursive: true });
    await link(lora, join(webui, "models/Lora/mirror/b.safetensors"));
    await writeFile(join(webui, "models/Lora/a.preview.png"), PNG_PREVIEW);
    await writeFile(join(webui, "models/Lora/mirror/b.preview.png"), PNG_PREVIEW);
    const run = await audit(webui, env);
    expect(run.report?.findings.filter((f) => f.type === "orphan-sidecar")).toEqual([]);
  });

  // Unlucky user: models shared between UIs by linking each file (`ln -s /store/x.safetensors models/Lora/`), previews
  // beside the links. The orphan check lists only regular files, so every such preview is reported as orphaned.
  it("does not call the preview of a linked model file an orphan", { timeout: 60_000 }, async () => {
    const { root, webui, env } = await a1111();
    const stored = await fixture("sd1-lora-kohya", join(root, "store"), "x.safetensors");
    await symlink(stored, join(webui, "models/Lora/x.safetensors"));
    await writeFile(join(webui, "models/Lora/x.preview.png"), PNG_PREVIEW);
    const run = await audit(webui, env);
    expect(run.report?.files).toBe(1);
    expect(run.report?.findings.filter((f) => f.type === "orphan-sidecar")).toEqual([]);
  });
});

describe("red team: which duplicate is kept", () => {
  // Unlucky user: `Lora/style.safetensors` (the name prompts use as `<lora:style>`, with its preview and Civitai info)
  // and a backup `Lora/backup/style (copy).safetensors`. Both are well placed, so the first path in code-point order is
  // kept: the backup. --fix quarantines the real one together with its preview and info.
  it("keeps the copy that carries the name and sidecars, not the backup that sorts first", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const dir = join(webui, "models/Lora");
    const lora = await fixture("sd1-lora-kohya", dir, "style.safetensors");
    await writeFile(join(dir, "style.preview.png"), PNG_PREVIEW);
    await writeFile(join(dir, "style.civitai.info"), CIVITAI_INFO);
    await mkdir(join(dir, "backup"), { recursive: true });
    await copyFile(lora, join(dir, "backup/style (copy).safetensors"));
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.duplicate).toBe(1);
    expect(await exists(lora)).toBe(true);
    expect(await exists(join(dir, "style.preview.png"))).toBe(true);
  });
});

describe("red team: names the fix itself frees", () => {
  // Unlucky user: the same LoRA saved twice, once by a browser as `detail.ckpt` (safetensors bytes), once properly as
  // `detail.safetensors`. The `.ckpt` is kept (it sorts first) and `detail.safetensors` is quarantined; the rename of
  // the `.ckpt` is then skipped as a "duplicate of detail.safetensors", the very file this plan just moved out. Left:
  // only `detail.ckpt`, safetensors bytes A1111 hands to torch.load, so the LoRA no longer loads at all.
  it("leaves one loadable copy when the kept duplicate needs the name the other one vacates", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const dir = join(webui, "models/Lora");
    const real = await fixture("sd1-lora-kohya", dir, "detail.safetensors");
    await copyFile(real, join(dir, "detail.ckpt"));
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.duplicate).toBe(1);
    expect(await exists(join(dir, "detail.safetensors"))).toBe(true);
    expect(await exists(join(dir, "detail (2).safetensors"))).toBe(false);
  });
});

describe("red team: files audit never looks at", () => {
  // Attack: a pickle named `.charturner.ckpt`, or put in a `.cache/` folder inside models/Stable-diffusion. A1111's
  // walk_files skips neither (hidden folders are listed by default, hidden files always), so the checkpoint list
  // offers it; audit skips every name starting with a dot, reports nothing and exits 0.
  it("reports a dangerous pickle whose name or folder starts with a dot", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    await writeHostileCkpt(join(webui, "models/Stable-diffusion/.charturner.ckpt"));
    await writeHostileCkpt(join(webui, "models/Stable-diffusion/.cache/inpaint.ckpt"));
    const run = await audit(webui, env);
    expect(run.report?.summary.byType.dangerous).toBe(2);
    expect(run.code).toBe(3);
  });

  // Attack: a pickle whose name is not valid UTF-8 (a Latin-1 `é` from an old zip). Python loads it by its bytes;
  // Node decodes the name with U+FFFD, so audit opens a path that does not exist, calls the file "unreadable"
  // instead of dangerous, leaves it in place under --fix and exits 0.
  // Open: paths travel as strings from the walk to inspection, planning and the journal, and Node cannot name such a
  // file with a string; judging and moving it needs byte paths end to end. Today it is reported unreadable (exit 2),
  // which the test below holds.
  it("reports a pickle whose file name is not UTF-8 as unreadable, naming why, and exits 2", {
    timeout: 60_000,
  }, async () => {
    const { root, webui, env } = await a1111();
    const staged = await writeHostileCkpt(join(root, "staged.ckpt"));
    await rename(
      staged,
      Buffer.concat([Buffer.from(join(webui, "models/Lora/caf")), Buffer.from([0xe9, 0x2e, 0x63, 0x6b, 0x70, 0x74])]),
    );
    const run = await audit(webui, env, "--fix");
    expect(run.report?.findings.find((f) => f.type === "unreadable")).toMatchObject({
      error: { message: expect.stringMatching(/not valid UTF-8/) },
    });
    expect(run.code).toBe(2);
  });

  it.skip("judges a dangerous pickle whose file name is not UTF-8", { timeout: 60_000 }, async () => {
    const { root, webui, env } = await a1111();
    const staged = await writeHostileCkpt(join(root, "staged.ckpt"));
    const latin1 = Buffer.concat([
      Buffer.from(join(webui, "models/Stable-diffusion/caf")),
      Buffer.from([0xe9]),
      Buffer.from(".ckpt"),
    ]);
    await rename(staged, latin1);
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.dangerous).toBe(1);
    expect(await exists(latin1)).toBe(false);
    expect(run.code).not.toBe(0);
  });
});

describe("red team: a ComfyUI that shares A1111's folders", () => {
  // Unlucky user: ComfyUI's documented extra_model_paths.yaml `a111:` section lists A1111's folders. A1111 loads
  // `<checkpoint>.vae.safetensors` kept beside the checkpoint; `audit --fix` on ComfyUI calls it misplaced and moves it
  // out of A1111's Stable-diffusion folder into ComfyUI's models/vae, so A1111 silently stops using it.
  it("does not move a file out of the A1111 folder it is loaded from", { timeout: 60_000 }, async () => {
    const root = await tempDir();
    const a1111Root = join(root, "a1111");
    const comfy = join(root, "comfy");
    await touch(a1111Root, A1111_MARKERS);
    await touch(comfy, ["main.py", "folder_paths.py", "nodes.py", "comfy/", "comfy_extras/", "custom_nodes/"]);
    await writeFile(
      join(comfy, "extra_model_paths.yaml"),
      `a111:\n  base_path: ${a1111Root}\n  checkpoints: models/Stable-diffusion\n  vae: models/VAE\n  loras: models/Lora\n`,
    );
    const sd = join(a1111Root, "models/Stable-diffusion");
    await fixture("sd1-checkpoint-ldm-safetensors", sd, "dreamshaper.safetensors");
    const vae = await fixture("vae-first-stage-model-prefix", sd, "dreamshaper.vae.safetensors");
    const run = await audit(comfy, { SDMODELS_STATE_DIR: join(root, "state") }, "--fix");
    expect(run.report?.webui.ui).toBe("comfyui");
    expect(await exists(vae)).toBe(true);
  });
});

describe("red team: duplicates across two UIs", () => {
  // Unlucky user: ComfyUI at ~/ComfyUI reads A1111's LoRAs through extra_model_paths.yaml, and a LoRA was also
  // downloaded into ComfyUI's own models/loras. The two copies are duplicates to ComfyUI, and the first path in
  // code-point order is kept: `ComfyUI/…` sorts before `stable-diffusion-webui/…`, so `audit --fix` on ComfyUI
  // quarantines A1111's copy into ComfyUI's quarantine, and A1111 loses the LoRA.
  it("does not quarantine the copy another WebUI loads when its own copy is a duplicate", {
    timeout: 60_000,
  }, async () => {
    const root = await tempDir();
    const a1111Root = join(root, "stable-diffusion-webui");
    const comfy = join(root, "ComfyUI");
    await touch(a1111Root, A1111_MARKERS);
    await touch(comfy, ["main.py", "folder_paths.py", "nodes.py", "comfy/", "comfy_extras/", "custom_nodes/"]);
    await writeFile(join(comfy, "extra_model_paths.yaml"), `a111:\n  base_path: ${a1111Root}\n  loras: models/Lora\n`);
    const a1111Lora = await fixture("sd1-lora-kohya", join(a1111Root, "models/Lora"), "style.safetensors");
    await mkdir(join(comfy, "models/loras"), { recursive: true });
    await copyFile(a1111Lora, join(comfy, "models/loras/style.safetensors"));
    const run = await audit(comfy, { SDMODELS_STATE_DIR: join(root, "state") }, "--fix");
    expect(run.report?.summary.byType.duplicate).toBe(1);
    expect(await exists(a1111Lora)).toBe(true);
  });
});

describe("red team: exit codes as the README documents them", () => {
  // Unlucky user: a script runs `sdmodels audit` and trusts the documented exit code 2 for "some file could not be
  // read". A model link whose target is gone (a detached drive) is reported `unreadable`, yet audit exits 0.
  it("exits 2 when a file in a model folder cannot be read", { timeout: 60_000 }, async () => {
    const { root, webui, env } = await a1111();
    await symlink(join(root, "usb-drive/gone.safetensors"), join(webui, "models/Lora/style.safetensors"));
    const run = await audit(webui, env);
    expect(run.report?.summary.byType.unreadable).toBe(1);
    expect(run.code).toBe(2);
  });
});

describe("red team: between audit's inspection and --fix's move", () => {
  // Unlucky user: while `audit --fix` runs, the WebUI (or a sync tool) touches the dangerous pickle's mtime. The
  // quarantine move is then skipped as `changed`, the pickle stays where A1111 loads it, and the exit code says
  // fixed (0) because only failures and conflicts count, not entries that were never moved.
  it("does not report a dangerous file as fixed when its quarantine move was skipped", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const evil = await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    const { outcome, acted: touched } = await fixActingAtFirstMove(webui, env, () =>
      utimesSync(evil, new Date(), new Date(Date.now() + 5000)),
    );
    expect(touched).toBe(true);
    expect(await exists(evil)).toBe(true);
    expect(auditExitCode(auditReport(outcome))).toBe(3);
  });
});

describe("red team: a quarantine that cannot be made", () => {
  // Attack/unlucky user: `.sdmodels` in the WebUI folder is a file (left by another tool, or planted). `audit --fix`
  // dies on mkdir of the journal: no report at all, just an errno line, and exit 2 although a dangerous pickle is
  // still where A1111 loads it (the README says 3 wins over 2).
  it("still reports the findings and exits 3 when the quarantine cannot be created", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    await writeFile(join(webui, ".sdmodels"), "not a folder\n");
    const run = await runCli(["audit", "--webui", webui, "--fix"], { env });
    expect(run.stdout).toContain("charturner.ckpt");
    expect(run.code).toBe(3);
  });
});

describe("red team: undo of an audit batch", () => {
  // Unlucky user: `undo` is how every batch is reverted, and install batches never hold a dangerous file. An audit
  // batch does: `undo` puts the quarantined pickle back into models/Lora, where A1111 loads it, and exits 0 without a
  // word that code-running files came back.
  it("does not silently put a quarantined dangerous pickle back where the UI loads it", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const misplaced = await fixture("sd1-lora-kohya", join(webui, "models/Stable-diffusion"), "style.safetensors");
    expect((await audit(webui, env, "--fix")).code).toBe(0);
    const evil = await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    const fix = await audit(webui, env, "--fix");
    expect(fix.code).toBe(0);
    expect(await exists(evil)).toBe(false);
    const undo = await runCli(["undo", "--webui", webui], { env });
    // Fixed: undo leaves the pickle in quarantine, says why, and exits 9 (refused for safety); the batch is settled,
    // so the next undo reverts the batch before it.
    expect(await exists(evil)).toBe(false);
    expect(undo.stderr).toMatch(/dangerous/i);
    expect(undo.code).toBe(9);
    const earlier = await runCli(["undo", "--webui", webui], { env });
    expect(earlier.code).toBe(0);
    expect(await exists(misplaced)).toBe(true);
  });
});

describe("red team: a file that vanishes before --fix reaches it", () => {
  // Unlucky user: while `audit --fix` runs, the user deletes an empty `a-broken.safetensors` by hand. Its quarantine
  // move fails with ENOENT, which stops the whole batch: the dangerous pickle later in the plan is never quarantined.
  it("still quarantines the dangerous file when an earlier entry's source is gone", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const broken = join(webui, "models/Lora/a-broken.safetensors");
    await writeFile(broken, "");
    const evil = await writeHostileCkpt(join(webui, "models/Lora/zz-charturner.ckpt"));
    const { outcome, acted: deleted } = await fixActingAtFirstMove(webui, env, () => unlinkSync(broken), "a-broken");
    expect(deleted).toBe(true);
    expect(outcome.findings.filter((f) => f.type === "dangerous")).toHaveLength(1);
    expect(await exists(evil)).toBe(false);
  });
});

describe("red team: undo after the quarantine was emptied", () => {
  // Unlucky user: audit --fix twice (the first moved a LoRA out of Stable-diffusion, the second quarantined a pickle),
  // then deletes the quarantine folder, as one does with a quarantine. Every later `undo` picks the emptied batch again
  // (it can never become "undone"), reports its file gone, and never reaches the first batch.
  it("lets undo reach the earlier batch once the emptied one has nothing left to put back", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const misplaced = await fixture("sd1-lora-kohya", join(webui, "models/Stable-diffusion"), "style.safetensors");
    expect((await audit(webui, env, "--fix")).code).toBe(0);
    expect(await exists(misplaced)).toBe(false);
    await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    const second = await audit(webui, env, "--fix");
    expect(second.code).toBe(0);
    await rm(join(webui, ".sdmodels/quarantine"), { recursive: true, force: true });
    await runCli(["undo", "--webui", webui], { env });
    await runCli(["undo", "--webui", webui], { env });
    expect(await exists(misplaced)).toBe(true);
  });
});

const builtCli = useBuiltCli();

describe("red team: the HTML report and special files", () => {
  // Attack: anyone who can write to a shared models folder runs `mkfifo models/Lora/style.preview.png`; a report that
  // opens previews with a blocking open(2) hangs forever waiting for a writer. Failed before previews were read as
  // thumbnails; kept as a regression test. Killed after 20 s (exit code null) so a hang fails only this test.
  it("does not hang on a FIFO named like a model's preview", { timeout: 120_000 }, async () => {
    const { webui, env, root } = await a1111();
    await fixture("sd1-lora-kohya", join(webui, "models/Lora"), "style.safetensors");
    execFileSync("mkfifo", [join(webui, "models/Lora/style.preview.png")]);
    const run = await builtCli(["audit", "--webui", webui, "--report", join(root, "audit.html")], {
      env,
      killAfterMs: 20_000,
    });
    expect(run.code).not.toBeNull();
    expect(await exists(join(root, "audit.html"))).toBe(true);
  });

  // Attack: `style.preview.png` in a shared models folder is a link to another user's private image. Carrying such a
  // sidecar is refused for this reason; the report must not embed its bytes either, in a file users attach to bug
  // reports. Failed before previews were read as thumbnails; kept as a regression test.
  it("does not embed the image a preview link points to", { timeout: 60_000 }, async () => {
    const { webui, env, root } = await a1111();
    await fixture("sd1-lora-kohya", join(webui, "models/Lora"), "style.safetensors");
    const secret = join(root, "home/Pictures/passport.png");
    await mkdir(join(root, "home/Pictures"), { recursive: true });
    await writeFile(secret, PNG_PREVIEW);
    await symlink(secret, join(webui, "models/Lora/style.preview.png"));
    const report = join(root, "audit.html");
    await runCli(["audit", "--webui", webui, "--report", report], { env });
    expect(await readFile(report, "utf8")).not.toContain(PNG_PREVIEW.toString("base64"));
  });
});

describe("red team: a dangerous file under two names", () => {
  // Attack: the pickle is planted under two hard-linked names, `Lora/charturner.ckpt` and `Stable-diffusion/
  // inpaint.ckpt`. Audit counts the inode once and quarantines one name; the other name of the same bytes stays in
  // a folder A1111 loads, and the run exits 0 as if fixed.
  it("leaves no name of a quarantined dangerous file in a model folder", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const evil = await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    const twin = join(webui, "models/Stable-diffusion/inpaint.ckpt");
    await link(evil, twin);
    const run = await audit(webui, env, "--fix");
    expect(run.report?.summary.byType.dangerous).toBeGreaterThanOrEqual(1);
    const left = [evil, twin].filter((p) => existsSync(p));
    if (left.length > 0) expect(run.code).toBe(3);
    expect(left).toEqual([]);
  });
});

describe("red team: the hash cache", () => {
  // Attack: `b.safetensors` was an exact copy of `a.safetensors` when an earlier audit cached its hash. Someone
  // rewrites b in place with a different LoRA of the same size and puts its mtime back (`touch -r`, or a sync tool
  // that preserves times). The cache trusts path, size, mtime and inode, never ctime, so the next `audit --fix` calls
  // b a duplicate of a and quarantines a model that exists nowhere else.
  it("does not quarantine a changed file as a duplicate on a stale cached hash", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    const dir = join(webui, "models/Lora");
    const a = await fixture("sd1-lora-kohya", dir, "a.safetensors");
    const b = join(dir, "b.safetensors");
    await copyFile(a, b);
    const when = new Date("2025-01-01T00:00:00Z");
    utimesSync(b, when, when);
    expect((await audit(webui, env)).report?.summary.byType.duplicate).toBe(1);
    const handle = await open(b, "r+");
    const { size } = await handle.stat();
    await handle.write(Buffer.from([0x3c]), 0, 1, size - 1);
    await handle.close();
    utimesSync(b, when, when);
    const run = await audit(webui, env, "--fix");
    expect(run.report?.findings.filter((f) => f.type === "duplicate")).toEqual([]);
    expect(existsSync(b)).toBe(true);
  });
});

describe("red team: finding a batch's quarantine", () => {
  // Unlucky user: `undo --list` shows batch ids; the quarantine folder of the same run is named by a second, different
  // timestamp and random id, so nothing tells which quarantine folder belongs to which batch.
  it("names the quarantine folder after the batch that filled it", { timeout: 60_000 }, async () => {
    const { webui, env } = await a1111();
    await writeHostileCkpt(join(webui, "models/Lora/charturner.ckpt"));
    const run = await audit(webui, env, "--fix");
    expect(run.report?.fix?.batchId).toMatch(/./);
    expect(basename(run.report?.quarantine ?? "")).toBe(run.report?.fix?.batchId);
  });
});

describe("red team: a model_index.json dropped into a model folder", () => {
  // Attack/unlucky user: a stray `model_index.json` lands in models/Lora itself (a diffusers repo unpacked into the
  // wrong folder, or planted). The walk then takes the whole LoRA folder for one broken diffusers pipeline, and
  // `audit --fix` quarantines models/Lora wholesale: every LoRA the user has disappears from the UI in one move.
  it("does not quarantine a whole model folder because it holds a model_index.json", {
    timeout: 60_000,
  }, async () => {
    const { webui, env } = await a1111();
    const dir = join(webui, "models/Lora");
    const loras = [
      await fixture("sd1-lora-kohya", dir, "style.safetensors"),
      await fixture("sd2-lora-kohya", dir, "character.safetensors"),
    ];
    await writeFile(join(dir, "model_index.json"), "");
    await audit(webui, env, "--fix");
    expect(loras.filter((p) => existsSync(p))).toEqual(loras);
  });
});

describe("red team: a diffusers repo downloaded into ComfyUI's checkpoints folder", () => {
  // Unlucky user: `huggingface-cli download … --local-dir models/checkpoints` puts a pipeline's model_index.json,
  // unet/ and vae/ straight into the checkpoints folder, beside the user's single-file checkpoints. The walk takes the
  // checkpoints folder itself for the pipeline, and `audit --fix` moves the whole folder, every checkpoint with it,
  // to models/diffusers.
  it("does not move the checkpoints folder itself, with every checkpoint in it", { timeout: 60_000 }, async () => {
    const root = await tempDir();
    const comfy = join(root, "ComfyUI");
    await touch(comfy, ["main.py", "folder_paths.py", "nodes.py", "comfy/", "comfy_extras/", "custom_nodes/"]);
    const checkpoints = join(comfy, "models/checkpoints");
    await writeDiffusersPipeline(checkpoints, "sd1");
    const single = await fixture("sd1-checkpoint-ldm-safetensors", checkpoints, "dreamshaper_8.safetensors");
    await audit(comfy, { SDMODELS_STATE_DIR: join(root, "state") }, "--fix");
    expect(existsSync(single)).toBe(true);
  });
});

/**
 * `audit --fix` in-process, doing `act` once, at the first move it announces (of a file whose path holds `naming`):
 * what a user or another program does to a file between audit's inspection and its move.
 */
async function fixActingAtFirstMove(
  webui: string,
  env: Record<string, string>,
  act: () => void,
  naming = "",
): Promise<{ outcome: Awaited<ReturnType<typeof auditWebui>>; acted: boolean }> {
  const target = await resolveWebui({ webui, env, cwd: webui });
  let acted = false;
  const outcome = await auditWebui(target, {
    hasher: createFileHasher({ env, useCache: false }),
    fix: true,
    keepMetadata: false,
    dryRun: false,
    onStatus: (text) => {
      if (!acted && text.startsWith("Moving") && text.includes(naming)) {
        acted = true;
        act();
      }
    },
  });
  return { outcome, acted };
}
