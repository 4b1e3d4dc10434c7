import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServers, startFakeServers } from "../../fixtures/fake-servers.js";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { responseHead } from "../../fixtures/rogue-server.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { sha256 } from "../download/download-checks.js";
import { useTempDirs } from "../helpers.js";
import { useLoopbackServers } from "../use-loopback-servers.js";
import { runCli } from "./run-cli.js";

const cli = runCli;
const tempDir = useTempDirs("sdmodels-cli-download-");
let fake: FakeServers;
beforeAll(async () => {
  fake = await startFakeServers();
});
afterAll(async () => fake.close());

const STACK_LINE = /^\s+at /m;

/** A real SDXL LoRA header from the catalog (3 MB), small enough for the fake servers to hold in memory. */
async function loraBytes(dir: string): Promise<Buffer> {
  const fixture = fixtureById("sdxl-lora-peft-diffusers");
  return readFile(await writeModelFixture(fixture, "safetensors", dir, "src.safetensors"));
}

function envFor(dir: string) {
  return {
    SDMODELS_CIVITAI_URL: fake.civitaiUrl,
    HF_ENDPOINT: fake.hfUrl,
    SDMODELS_STATE_DIR: join(dir, "state"),
    CIVITAI_TOKEN: undefined,
    HF_TOKEN: undefined,
  };
}

describe("sdmodels download", () => {
  it("--dry-run resolves name, size and hash from Civitai and downloads nothing", async () => {
    const dir = await tempDir();
    const content = await loraBytes(dir);
    fake.publishCivitaiVersion({
      versionId: 101,
      modelId: 1,
      fileName: "tiny-lora.safetensors",
      content,
      modelType: "LORA",
    });
    const to = join(dir, "out");
    const run = await cli(
      ["download", `${fake.civitaiUrl}/models/1?modelVersionId=101`, "--to", to, "--dry-run", "--json"],
      { env: envFor(dir) },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dryRun: true,
      path: join(to, "tiny-lora.safetensors"),
      exists: false,
      source: {
        service: "civitai",
        fileName: "tiny-lora.safetensors",
        civitai: { modelId: 1, versionId: 101, type: "LORA" },
      },
    });
    expect(fake.requestsTo("storage").filter((r) => r.url.includes("civitai-101"))).toEqual([]);
  });

  it("downloads, verifies, prints path and hashes, and inspects the file", async () => {
    const dir = await tempDir();
    const content = await loraBytes(dir);
    fake.publishCivitaiVersion({
      versionId: 102,
      modelId: 2,
      fileName: "tiny-lora.safetensors",
      content,
      modelType: "LORA",
    });
    const to = join(dir, "out");
    const run = await cli(["download", `urn:air:sdxl:lora:civitai:2@102`, "--to", to, "--json"], { env: envFor(dir) });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      path: join(to, "tiny-lora.safetensors"),
      size: content.length,
      inspection: { kind: "lora", base: "sdxl", safety: { verdict: "safe" } },
    });
    expect(report.autov2).toBe(report.sha256.slice(0, 10));
    // Buffer.equals: toEqual compares 3 MB element by element, for tens of seconds.
    expect((await readFile(report.path)).equals(content)).toBe(true);
  }, 60_000);

  it("a 401 exits 4 with the token advice and leaves no file", async () => {
    const dir = await tempDir();
    fake.publishCivitaiVersion({
      versionId: 103,
      modelId: 3,
      fileName: "locked.safetensors",
      content: await loraBytes(dir),
      requireToken: "secret",
    });
    const to = join(dir, "out");
    const run = await cli(["download", `${fake.civitaiUrl}/api/download/models/103`, "--to", to], { env: envFor(dir) });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^sdmodels: .*\/api\/download\/models\/103: HTTP 401 from .*CIVITAI_TOKEN.*\n$/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(await readdir(dir)).not.toContain("out"); // no empty folder left behind

    const withToken = await cli(
      ["download", `${fake.civitaiUrl}/api/download/models/103`, "--to", to, "--token", "secret"],
      { env: envFor(dir) },
    );
    expect(withToken.code).toBe(0);
    expect(withToken.stdout + withToken.stderr).not.toContain("secret");
  });

  it("a --sha256 mismatch exits 8 and leaves no file", async () => {
    const dir = await tempDir();
    const url = fake.serveFile("plain-lora.safetensors", await loraBytes(dir));
    const to = join(dir, "out");
    const run = await cli(["download", url, "--to", to, "--sha256", "0".repeat(64)], { env: envFor(dir) });
    expect(run.code).toBe(8);
    expect(run.stderr).toMatch(/^sdmodels: .*plain-lora\.safetensors.*does not match the expected 0{64}\n$/);
    expect(await readdir(dir)).not.toContain("out"); // no empty folder left behind
  });

  it("rejects a source it cannot download with exit 1 and one line", async () => {
    const dir = await tempDir();
    const run = await cli(["download", "ftp://example.com/x.safetensors", "--to", dir], { env: envFor(dir) });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^sdmodels: ftp:\/\/example\.com\/x\.safetensors: /);
  });
});

describe("sdmodels download from servers that misbehave", () => {
  const servers = useLoopbackServers();

  // undici 7's HTTP/1 client asserts its parser is not paused when the peer closes; a body that is read slower
  // than it arrives pauses it, and the AssertionError is thrown from a socket event: uncatchable, the process dies.
  it.each([
    [
      "Connection: close",
      (body: Buffer) => responseHead("200 OK", { "content-length": body.length, connection: "close" }),
    ],
    ["HTTP/1.0 without Content-Length", () => responseHead("200 OK", {}, "HTTP/1.0")],
  ])(
    "survives a server that closes right after the body (%s)",
    async (_, head) => {
      const dir = await tempDir();
      const content = Buffer.concat([await loraBytes(dir), Buffer.alloc(24 * 1024 * 1024)]);
      const { url } = await servers.rogue((socket) => void socket.end(Buffer.concat([head(content), content])));
      const to = join(dir, "out");
      const run = await cli(["download", `${url}/closing.safetensors`, "--to", to, "--json"], { env: envFor(dir) });
      expect(run.stderr).not.toContain("AssertionError");
      expect(run.code).toBe(0);
      expect(sha256(await readFile(join(to, "closing.safetensors")))).toBe(sha256(content)); // toEqual on 27 MB crawls
    },
    60_000,
  );

  it("names a plain URL's file from Content-Disposition, not from the URL's last segment", async () => {
    const dir = await tempDir();
    const content = await loraBytes(dir);
    fake.route("storage", "/api/download/models/4711", (_req, res) => {
      res.writeHead(200, {
        "content-length": content.length,
        "content-disposition": 'attachment; filename="my-style.safetensors"',
      });
      res.end(content);
    });
    const to = join(dir, "out");
    const run = await cli(["download", `${fake.storageUrl}/api/download/models/4711`, "--to", to, "--json"], {
      env: envFor(dir),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).path).toBe(join(to, "my-style.safetensors"));
    expect(await readdir(to)).toEqual(["my-style.safetensors"]);
  }, 60_000);

  it("escapes control sequences in server text and never prints the token", async () => {
    const dir = await tempDir();
    fake.route("storage", "/api/download/models/666", (req, res) => {
      const echoed = encodeURIComponent(req.headers.authorization ?? "");
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `\u001b]0;pwned\u0007\u001b[2J denied ${echoed}` }));
    });
    const run = await cli(
      ["download", `${fake.storageUrl}/api/download/models/666`, "--to", join(dir, "out"), "--token", "tok-123/abc"],
      { env: envFor(dir) },
    );
    expect(run.code).toBe(4);
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(run.stderr).toContain("\\x1b]0;pwned\\x07\\x1b[2J denied Bearer sha256:");
    expect(run.stderr).not.toContain("tok-123");
  });

  it("announces each retry on stderr and leaves no empty folder behind", async () => {
    const dir = await tempDir();
    fake.route("storage", "/always-busy.bin", (_req, res) => {
      res.writeHead(503, { "retry-after": "0", "content-type": "text/plain" });
      res.end("busy");
    });
    const to = join(dir, "new", "folder");
    const run = await cli(["download", `${fake.storageUrl}/always-busy.bin`, "--to", to], { env: envFor(dir) });
    expect(run.code).toBe(6);
    const host = new URL(fake.storageUrl).host;
    expect(run.stderr.split("\n").filter((line) => line.startsWith("retry "))).toEqual(
      [1, 2, 3, 4].map((n) => `retry ${n}/4 in 0 s: HTTP 503 (${host})`),
    );
    expect(await readdir(dir)).not.toContain("new");
  });
});
