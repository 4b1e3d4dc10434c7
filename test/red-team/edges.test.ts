import { chmod, chown, link, lstat, mkdir, readdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { V_PREDICTION_CONFIG } from "../../fixtures/sidecar-files.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { downloadFile } from "../../src/download/download-file.js";
import { applyPlan } from "../../src/install/apply-plan.js";
import type { MoveEntry } from "../../src/install/types.js";
import { runCli } from "../cli/run-cli.js";
import { fakeServerDownload } from "../download/download-options.js";
import { useTempDirs } from "../helpers.js";
import {
  A1111_MARKERS,
  a1111WithDownloads,
  classification as k,
  modelFile,
  plan,
  touch,
} from "../install/fake-webui.js";
import { useFakeServers } from "../use-fake-servers.js";

const tempDir = useTempDirs("sdmodels-redteam-edges-");

const stemOf = (path: string) => basename(path).replace(/\.[^.]*$/, "");

const carried = (entry: MoveEntry) => entry.sidecars.map((s) => basename(s.source)).sort();

describe("red team: trust at the edges", () => {
  // Attack: a hard link to ~/.ssh/id_rsa named `<lora>.txt` is a regular UTF-8 file, so it is carried into the WebUI,
  // which shows descriptions in the browser.
  it("does not carry a hard-linked secret disguised as a description sidecar", async () => {
    const { root, downloads, target } = await a1111WithDownloads(tempDir);
    const home = join(root, "..", "home-ssh");
    await mkdir(home, { recursive: true });
    const secret = join(home, "id_rsa");
    await writeFile(
      secret,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    await link(secret, join(downloads, "m.txt"));
    // The same trick with a JSON secret (a cloud credentials file) under a metadata name.
    const creds = join(home, "credentials.json");
    await writeFile(creds, JSON.stringify({ type: "service_account", private_key: "-----BEGIN PRIVATE KEY-----" }));
    await link(creds, join(downloads, "m.cm-info.json"));
    const entry = (await plan([lora], target)).entries[0] as MoveEntry;
    expect(entry.action).toBe("move");
    expect(carried(entry)).toEqual([]);
  });
});

const fake = useFakeServers();

describe("red team: tokens on disk", () => {
  // Attack/unlucky user: Civitai documents `…/api/download/models/N?token=KEY`; a cut transfer writes the key in clear
  // into `<name>.part.source` in the (often shared) download folder.
  it("does not write a token carried in the URL's query into the .part.source record", async () => {
    const body = Buffer.alloc(200_000, 7);
    const url =
      `${fake().serveFile("m/model.safetensors", body, { cutAfterBytes: 80_000, cutTimes: 1 })}` +
      `?token=sk-SECRET-0123456789`;
    const opts = await fakeServerDownload(await tempDir(), fake(), {
      network: { env: {}, idleTimeoutMs: 400 },
      fileName: "model.safetensors",
      retries: 0,
    });
    await downloadFile(url, opts).catch(() => undefined);
    const names = await readdir(opts.dir);
    expect(names).toContain("model.safetensors.part.source");
    const recorded = await Promise.all(names.map((n) => readFile(join(opts.dir, n), "utf8")));
    expect(recorded.join("\n")).not.toContain("sk-SECRET-0123456789");
  });
});

describe("red team: tokens in output", () => {
  // Unlucky user: a Civitai link with `?token=KEY` (the form Civitai documents) is echoed in clear in the --json report
  // and in error lines, which end up in CI logs and bug reports.
  it("does not print a token carried in the URL's query", async () => {
    const dir = await tempDir();
    const url = fake().serveFile("m/model.safetensors", Buffer.alloc(1000, 7));
    const env = { SDMODELS_STATE_DIR: join(dir, "state"), CIVITAI_TOKEN: undefined, HF_TOKEN: undefined };
    const ok = await runCli(["download", `${url}?token=sk-SECRET-ok`, "--to", join(dir, "out"), "--json"], { env });
    expect(ok.stdout).toContain('"sha256"'); // downloaded (exit 2: the bytes are no model)
    expect(ok.stdout + ok.stderr).not.toContain("sk-SECRET-ok");
    const missing = await runCli(["download", `${url}-gone?token=sk-SECRET-404`, "--to", join(dir, "out")], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stdout + missing.stderr).not.toContain("sk-SECRET-404");
  });
});

describe("red team: what the new name pairs with in the WebUI", () => {
  // Attack: a hostile `c.yaml` already sits in models/Stable-diffusion (left from a deleted model or planted);
  // installing a safe `c.safetensors` beside it makes A1111 build the checkpoint from that config,
  // running any `target:`.
  it("does not give a checkpoint the stem of an existing .yaml it would refuse to carry", async () => {
    const { root, downloads, target } = await a1111WithDownloads(tempDir);
    await writeFile(join(root, "models/Stable-diffusion/c.yaml"), "model:\n  target: os.system\n  params: {}\n");
    const checkpoint = await modelFile(join(downloads, "c.safetensors"), k("checkpoint"));
    const entry = (await plan([checkpoint], target)).entries[0]!;
    if (entry.action === "move") expect(stemOf(entry.destination)).not.toBe("c");
  });

  // Unlucky user: `m.safetensors` is installed beside an existing LoRA `m.pt`; A1111 keys LoRAs by stem, so `<lora:m>`
  // now names only one of them and the new one shows the old one's preview and metadata.
  it("does not install a LoRA under a stem another LoRA in the folder already has", async () => {
    const { root, downloads, target } = await a1111WithDownloads(tempDir);
    await writeFile(join(root, "models/Lora/m.pt"), "x");
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    const entry = (await plan([lora], target)).entries[0]!;
    if (entry.action === "move") expect(stemOf(entry.destination)).not.toBe("m");
  });
});

describe("red team: audit --fix and linked folders", () => {
  // Unlucky user: a folder link inside one model folder pointing at another (shared libraries) makes audit see one file
  // under two paths, call it a duplicate of itself and quarantine the only copy.
  it("does not quarantine a file as a duplicate of itself seen through a folder link", {
    timeout: 120_000,
  }, async () => {
    const root = await tempDir();
    const webui = join(root, "webui");
    await touch(webui, A1111_MARKERS);
    const lora = await writeModelFixture(
      fixtureById("sd1-lora-kohya"),
      "safetensors",
      join(webui, "models/Lora"),
      "style.safetensors",
    );
    await symlink("../Lora", join(webui, "models/Stable-diffusion/shared"));
    await runCli(["audit", "--webui", webui, "--fix", "--json"], { env: { SDMODELS_STATE_DIR: join(root, "state") } });
    expect(
      await lstat(lora).then(
        (i) => i.isFile(),
        () => false,
      ),
    ).toBe(true);
  });
});

describe("red team: sidecars between plan and move", () => {
  // Attack: the checked `c.yaml` is swapped (rename over it) for one with `target: os.system` after planning; apply
  // only re-checks that it is a regular file, so the unchecked config lands beside the checkpoint.
  it("does not install a sidecar replaced after its content was checked", async () => {
    const { root, downloads, target, journalDir } = await a1111WithDownloads(tempDir);
    const checkpoint = await modelFile(join(downloads, "c.safetensors"), k("checkpoint"));
    await writeFile(join(downloads, "c.yaml"), V_PREDICTION_CONFIG);
    const planned = await plan([checkpoint], target);
    expect(carried(planned.entries[0] as MoveEntry)).toEqual(["c.yaml"]);
    await writeFile(join(downloads, "swap.yaml"), "model:\n  target: os.system\n  params: {}\n");
    await rename(join(downloads, "swap.yaml"), join(downloads, "c.yaml"));
    await applyPlan(planned, { journalDir });
    const landed = await readFile(join(root, "models/Stable-diffusion/c.yaml"), "utf8").catch(() => "");
    expect(landed).not.toContain("os.system");
  });
});

describe("red team: planted partial downloads", () => {
  // Attack: in a shared (world-writable) download folder another user plants `<name>.part` with hostile leading bytes
  // and a `.part.source` naming the real URL and its public ETag; resume splices the server's tail onto them.
  it.skipIf(process.getuid?.() !== 0)(
    "does not resume a .part and record that belong to another user and anyone can write",
    async () => {
      const body = Buffer.alloc(100_000, 9);
      const url = fake().serveFile("p/model.safetensors", body, { etag: '"pub"' });
      const opts = await fakeServerDownload(await tempDir(), fake(), {
        network: { env: {}, idleTimeoutMs: 400 },
        fileName: "model.safetensors",
        retries: 0,
      });
      await chmod(opts.dir, 0o1777);
      const part = join(opts.dir, "model.safetensors.part");
      await writeFile(part, Buffer.alloc(40_000, 0x41));
      await writeFile(join(opts.dir, "model.safetensors.part.source"), JSON.stringify({ url, etag: '"pub"' }));
      for (const p of [part, join(opts.dir, "model.safetensors.part.source")]) {
        await chown(p, 65534, 65534);
        await chmod(p, 0o666);
      }
      const result = await downloadFile(url, opts).catch(() => null);
      if (result) expect((await readFile(result.path)).equals(body)).toBe(true);
    },
  );
});

describe("red team: server-chosen names", () => {
  // Attack: the user downloads "a model" straight into models/Stable-diffusion beside `c.safetensors`; the server names
  // it `c.yaml` in Content-Disposition, and A1111 then builds that checkpoint from the server's config.
  it("does not save a download under a name that is no model file (a .yaml config) chosen by the server", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "c.safetensors"), "x");
    const config = "model:\n  target: os.system\n  params: {}\n";
    fake().route("storage", "/api/download/models/77", (_req, res) => {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-disposition": 'attachment; filename="c.yaml"',
        "content-length": Buffer.byteLength(config),
      });
      res.end(config);
    });
    await runCli(["download", `${fake().storageUrl}/api/download/models/77`, "--to", dir], {
      env: { SDMODELS_STATE_DIR: join(dir, "state"), CIVITAI_TOKEN: undefined, HF_TOKEN: undefined },
    });
    expect(await readdir(dir)).not.toContain("c.yaml");
  });
});
