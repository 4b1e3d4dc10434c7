import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DownloadOptions, type DownloadProgress, downloadFile } from "../../src/download/download-file.js";
import { BadResponseError, IntegrityError, NotAuthorizedError, TargetExistsError } from "../../src/download/errors.js";
import { useTempDirs } from "../helpers.js";
import { useFakeServers } from "../use-fake-servers.js";
import { patternBytes, rejection, sha256 } from "./download-checks.js";
import { fakeServerDownload } from "./download-options.js";

const tempDir = useTempDirs();
const fake = useFakeServers();

async function options(extra: Partial<DownloadOptions> = {}): Promise<DownloadOptions> {
  return fakeServerDownload(await tempDir(), fake(), extra);
}
/** The ETag the fake storage sends for `content`. */
const etagOf = (content: Buffer) => `"${sha256(content).slice(0, 32)}"`;
/** What an earlier run records beside its part file: the URL and the validator the bytes came with. */
async function recordPartSource(dir: string, name: string, url: string, etag: string): Promise<void> {
  await writeFile(join(dir, `${name}.part.source`), JSON.stringify({ url, etag }));
}

describe("downloadFile", () => {
  it("follows Civitai's 307 to a cross-origin storage host and sends the token to the Civitai host only", async () => {
    const content = patternBytes(100_000, 3);
    fake().publishCivitaiVersion({
      versionId: 7,
      modelId: 1,
      fileName: "model.safetensors",
      content,
      requireToken: "s3cret",
    });
    const opts = await options({
      tokens: new Map([[new URL(fake().civitaiUrl).host, "s3cret"]]),
      expectedSha256: sha256(content).toUpperCase(),
    });
    const result = await downloadFile(`${fake().civitaiUrl}/api/download/models/7`, opts);
    expect(result).toMatchObject({
      fileName: "model.safetensors",
      size: content.length,
      sha256: sha256(content),
      resumedFrom: 0,
    });
    expect(sha256(await readFile(result.path))).toBe(sha256(content));
    expect(await readdir(opts.dir)).toEqual(["model.safetensors"]);
    const [civitaiHop] = fake().requestsTo("civitai");
    const [storageHop] = fake().requestsTo("storage");
    expect(civitaiHop?.headers.authorization).toBe("Bearer s3cret");
    expect(civitaiHop?.headers["user-agent"]).toMatch(/^sdmodels\/\d+\.\d+\.\d+/);
    expect(storageHop?.headers.authorization).toBeUndefined();
  });

  it("takes the name from filename*=UTF-8'' and refuses hostile path components", async () => {
    const content = patternBytes(1000, 3);
    const utf8 = fake().serveFile("u", content, {
      contentDisposition: `attachment; filename="x.bin"; filename*=UTF-8''%E6%A8%A1%E5%9E%8B.safetensors`,
    });
    expect((await downloadFile(utf8, await options())).fileName).toBe("模型.safetensors");
    const raw = fake().serveFile("r", content, {
      contentDisposition: `attachment; filename="${Buffer.from("ümlaut.ckpt").toString("latin1")}"`,
    });
    expect((await downloadFile(raw, await options())).fileName).toBe("ümlaut.ckpt");
    const hostile = fake().serveFile("h", content, { contentDisposition: `attachment; filename="../../etc/m.ckpt"` });
    const opts = await options();
    const result = await downloadFile(hostile, opts);
    expect(result.path).toBe(join(opts.dir, "m.ckpt"));
    const control = fake().serveFile("c", content, { contentDisposition: `attachment; filename*=UTF-8''a%0Ab%1B.pt` });
    expect((await downloadFile(control, await options())).fileName).toBe("ab.pt");
  });

  it("resumes an interrupted transfer with Range from the bytes already written", async () => {
    const content = patternBytes(300_000, 3);
    const url = fake().serveFile("m.safetensors", content, { cutAfterBytes: 120_000 });
    const opts = await options({ fileName: "m.safetensors", expectedSha256: sha256(content) });
    const result = await downloadFile(url, opts);
    expect(sha256(await readFile(result.path))).toBe(sha256(content));
    const hops = fake().requestsTo("storage");
    expect(hops).toHaveLength(2);
    expect(hops[0]?.headers.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(hops[1]?.headers.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(120_000);
    expect(result.resumedFrom).toBe(resumedAt);
  });

  it("continues a .part left by an earlier run", async () => {
    const content = patternBytes(50_000, 3);
    const url = fake().serveFile("m.bin", content);
    const opts = await options({ fileName: "m.bin" });
    await writeFile(join(opts.dir, "m.bin.part"), content.subarray(0, 20_000));
    await recordPartSource(opts.dir, "m.bin", url, etagOf(content));
    const result = await downloadFile(url, { ...opts, expectedSha256: sha256(content) });
    expect(result.resumedFrom).toBe(20_000);
    expect(fake().requestsTo("storage")[0]?.headers).toMatchObject({
      range: "bytes=20000-",
      "if-range": etagOf(content),
    });
    expect(sha256(await readFile(result.path))).toBe(sha256(content));
  });

  it("closes the connection of a resumed answer it cannot use because the part file shrank meanwhile", async () => {
    const content = patternBytes(4 * 1024 * 1024, 3); // larger than the socket buffers: an unread body holds its socket
    const opts = await options({ fileName: "shrink.bin" });
    const part = join(opts.dir, "shrink.bin.part");
    await writeFile(part, content.subarray(0, 1000));
    await recordPartSource(opts.dir, "shrink.bin", `${fake().storageUrl}/files/shrink.bin`, '"v1"');
    let abandoned: Promise<void> | undefined;
    fake().route("storage", "/files/shrink.bin", async (req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      if (start > 0) {
        await writeFile(part, ""); // another process truncated it after our stat
        abandoned = new Promise((resolve) => req.socket.once("close", () => resolve()));
        res.writeHead(206, {
          "content-range": `bytes ${start}-${content.length - 1}/${content.length}`,
          "content-length": content.length - start,
          etag: '"v1"',
        });
        res.end(content.subarray(start));
        return;
      }
      res.writeHead(200, { "content-length": content.length, etag: '"v1"' });
      res.end(content);
    });
    const result = await downloadFile(`${fake().storageUrl}/files/shrink.bin`, {
      ...opts,
      expectedSha256: sha256(content),
    });
    expect(result.resumedFrom).toBe(0);
    expect(abandoned).toBeDefined();
    await abandoned;
  });

  it("restarts from zero when the server ignores Range (200) or answers 416", async () => {
    const content = patternBytes(40_000, 3);
    const ignoring = fake().serveFile("ignore.bin", content, { ignoreRange: true });
    const opts = await options({ fileName: "ignore.bin" });
    await writeFile(join(opts.dir, "ignore.bin.part"), Buffer.alloc(10_000, 0xff)); // wrong bytes: must not survive
    await recordPartSource(opts.dir, "ignore.bin", ignoring, etagOf(content));
    const result = await downloadFile(ignoring, { ...opts, expectedSha256: sha256(content) });
    expect(result.resumedFrom).toBe(0);
    expect(sha256(await readFile(result.path))).toBe(sha256(content));

    const small = fake().serveFile("small.bin", content);
    const opts416 = await options({ fileName: "small.bin" });
    await writeFile(join(opts416.dir, "small.bin.part"), Buffer.alloc(60_000)); // longer than the file: 416
    await recordPartSource(opts416.dir, "small.bin", small, etagOf(content));
    const restarted = await downloadFile(small, opts416);
    expect(sha256(await readFile(restarted.path))).toBe(sha256(content));
    expect(
      fake()
        .requestsTo("storage")
        .filter((r) => r.url.startsWith("/files/small.bin"))
        .map((r) => r.headers.range),
    ).toEqual(["bytes=60000-", undefined]);
  });

  it("refuses a redirect whose Location is not a URL, naming the host, without retrying", async () => {
    fake().route("storage", "/files/bad-redirect", (_req, res) => {
      res.writeHead(302, { location: "http://[not-a-host" });
      res.end();
    });
    const error = await rejection(downloadFile(`${fake().storageUrl}/files/bad-redirect`, await options()));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error.message).toContain(new URL(fake().storageUrl).host);
    expect(fake().requestsTo("storage")).toHaveLength(1);
  });

  it("names the file and host when the connection keeps dying mid-body, and keeps the part for later", async () => {
    const url = fake().serveFile("cut.bin", patternBytes(300_000, 3), { cutAfterBytes: 120_000, cutTimes: 99 });
    const opts = await options({ fileName: "cut.bin", retries: 1 });
    const error = await rejection(downloadFile(url, opts));
    expect(error.code).toBe("network");
    expect(error.message).toContain(`cut.bin from ${new URL(fake().storageUrl).host}`);
    expect((await readdir(opts.dir)).sort()).toEqual(["cut.bin.part", "cut.bin.part.source"]);
  });

  it("retries a 503 and succeeds; does not retry a 404", async () => {
    const content = patternBytes(5000, 3);
    const flaky = fake().serveFile("flaky.bin", content, { failWith: { status: 503, times: 2 } });
    expect((await downloadFile(flaky, await options())).size).toBe(5000);
    expect(
      fake()
        .requestsTo("storage")
        .filter((r) => r.url === "/files/flaky.bin"),
    ).toHaveLength(3);

    const error = await rejection(downloadFile(`${fake().storageUrl}/files/missing.bin`, await options()));
    expect(error.code).toBe("not-found");
    expect(
      fake()
        .requestsTo("storage")
        .filter((r) => r.url === "/files/missing.bin"),
    ).toHaveLength(1);
  });

  it("gives up after the retry budget with exit code 5 (server errors) or 6 (rate limit)", async () => {
    const down = fake().serveFile("down.bin", patternBytes(10, 3), { failWith: { status: 502, times: 99 } });
    const error = await rejection(downloadFile(down, await options({ retries: 2 })));
    expect(error.code).toBe("network");
    expect(fake().requestsTo("storage")).toHaveLength(3);
    const limited = fake().serveFile("limited.bin", patternBytes(10, 3), {
      failWith: { status: 429, times: 99, body: '{"error":"unusual amount of downloading"}' },
    });
    const rate = await rejection(downloadFile(limited, await options({ retries: 1 })));
    expect(rate.code).toBe("rate-limited");
    expect(rate.message).toContain("unusual amount of downloading");
  });

  it("turns Civitai 401 and 403 JSON into one-line advice with exit code 3, never printing the token", async () => {
    fake().publishCivitaiVersion({
      versionId: 8,
      modelId: 1,
      fileName: "m.safetensors",
      content: patternBytes(10, 3),
      requireToken: "right",
    });
    const anonymous = await rejection(downloadFile(`${fake().civitaiUrl}/api/download/models/8`, await options()));
    expect(anonymous).toBeInstanceOf(NotAuthorizedError);
    expect(anonymous.code).toBe("not-authorized");
    expect(anonymous.message).toContain("requires you to be logged in");
    expect(anonymous.message).toContain("CIVITAI_TOKEN");
    expect(anonymous.message).not.toContain("\n");

    const wrong = await rejection(
      downloadFile(
        `${fake().civitaiUrl}/api/download/models/8`,
        await options({ tokens: new Map([[new URL(fake().civitaiUrl).host, "wrong-token-value"]]) }),
      ),
    );
    expect(wrong.message).not.toContain("wrong-token-value");
    expect(wrong.message).toMatch(/token sha256:[0-9a-f]{8}/);

    fake().route("civitai", "/api/download/models/9", (_req, res) => {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: "Early Access", deadline: "2030-01-01", message: "This asset is in Early Access" }),
      );
    });
    const early = await rejection(downloadFile(`${fake().civitaiUrl}/api/download/models/9`, await options()));
    expect(early.code).toBe("not-authorized");
    expect(early.message).toMatch(/Early Access.*early access ends/);
  });

  it("quotes a 401 body that echoes the refused token with the token replaced by its fingerprint", async () => {
    fake().route("civitai", "/api/download/models/10", (req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `Invalid API key: ${req.headers.authorization?.slice("Bearer ".length)}` }));
    });
    const token = "echoed-secret-token";
    const tokens = new Map([[new URL(fake().civitaiUrl).host, token]]);
    const error = await rejection(
      downloadFile(`${fake().civitaiUrl}/api/download/models/10`, await options({ tokens })),
    );
    expect(error.message).not.toContain(token);
    expect(error.message).toMatch(/Invalid API key: sha256:[0-9a-f]{8}/);
  });

  it("refuses an HTML login page served with 200 and leaves no file behind", async () => {
    const page = Buffer.from(
      "\n  <!DOCTYPE html><html><head><title>Sign in | Civitai</title></head><body>…</body></html>",
    );
    const url = fake().serveFile("model.safetensors", page, { contentType: "text/html" });
    const opts = await options();
    const error = await rejection(downloadFile(url, opts));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.code).toBe("error-page");
    expect(error.message).toContain("Sign in | Civitai");
    expect(await readdir(opts.dir)).toEqual([]);
  });

  it("keeps a safetensors file whose length prefix begins with a space and '{' (not an error page)", async () => {
    const header = Buffer.from(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`.padEnd(0x7b20, " "));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    expect(prefix.subarray(0, 2).toString("latin1")).toBe(" {");
    const content = Buffer.concat([prefix, header, Buffer.from([1])]);
    const url = fake().serveFile("odd.safetensors", content);
    expect((await downloadFile(url, await options())).size).toBe(content.length);
  });

  it("deletes the part file on a SHA-256 mismatch and never creates the final name", async () => {
    const url = fake().serveFile("m.bin", patternBytes(10_000, 3));
    const opts = await options({ expectedSha256: "0".repeat(64) });
    const error = await rejection(downloadFile(url, opts));
    expect(error.code).toBe("hash-mismatch");
    expect(await readdir(opts.dir)).toEqual([]);
  });

  it("fails on a size mismatch before writing, and never overwrites an existing file", async () => {
    const url = fake().serveFile("m.bin", patternBytes(10_000, 3));
    const sized = await options({ expectedSize: 9_999 });
    expect((await rejection(downloadFile(url, sized))).code).toBe("size-mismatch");
    expect(await readdir(sized.dir)).toEqual([]);

    const opts = await options();
    await writeFile(join(opts.dir, "m.bin"), "precious");
    expect(await rejection(downloadFile(url, opts))).toBeInstanceOf(TargetExistsError);
    expect(await rejection(downloadFile(url, { ...opts, fileName: "m.bin" }))).toBeInstanceOf(TargetExistsError);
    expect(await readFile(join(opts.dir, "m.bin"), "utf8")).toBe("precious");
    expect((await downloadFile(url, { ...opts, overwrite: true })).size).toBe(10_000);
  });

  it("reports progress from a slow server through the callback", async () => {
    const content = patternBytes(8 * 1024, 3);
    const url = fake().serveFile("slow.bin", content, { chunkDelayMs: 60, chunkBytes: 1024 });
    const seen: DownloadProgress[] = [];
    await downloadFile(url, await options({ onProgress: (p) => seen.push({ ...p }) }));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((p) => p.total === content.length)).toBe(true);
    const received = seen.map((p) => p.received);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(seen.at(-1)?.received).toBe(content.length);
    expect(seen.some((p) => p.received > 0 && p.received < content.length && p.bytesPerSecond > 0)).toBe(true);
  });
});
