import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { responseHead } from "../../fixtures/rogue-server.js";
import type { RetryEvent } from "../../src/download/backoff.js";
import { type DownloadOptions, downloadFile } from "../../src/download/download-file.js";
import { TargetExistsError } from "../../src/download/errors.js";
import { openUrl } from "../../src/download/open-url.js";
import { useTempDirs } from "../helpers.js";
import { useFakeServers } from "../use-fake-servers.js";
import { useLoopbackServers } from "../use-loopback-servers.js";
import { patternBytes, rejection, sha256 } from "./download-checks.js";
import { fakeServerDownload } from "./download-options.js";

const tempDir = useTempDirs();
const fake = useFakeServers();
const { listen, rogue } = useLoopbackServers();

async function options(extra: Partial<DownloadOptions> = {}): Promise<DownloadOptions> {
  return fakeServerDownload(await tempDir(), fake(), { network: { env: {}, idleTimeoutMs: 400 }, ...extra });
}

describe("resuming only a part from the same source", () => {
  it("does not continue a .part left by URL A with URL B's bytes of the same file name", async () => {
    const a = patternBytes(200_000, 1);
    const b = patternBytes(200_000, 2);
    const urlA = fake().serveFile("a/model.safetensors", a, { cutAfterBytes: 80_000, cutTimes: 1 });
    const urlB = fake().serveFile("b/model.safetensors", b);
    const opts = await options({ fileName: "model.safetensors", retries: 0 });
    await rejection(downloadFile(urlA, opts)); // leaves model.safetensors.part with A's first bytes
    expect((await readdir(opts.dir)).sort()).toEqual(["model.safetensors.part", "model.safetensors.part.source"]);

    const result = await downloadFile(urlB, opts);
    expect(result.resumedFrom).toBe(0);
    expect(sha256(await readFile(result.path))).toBe(sha256(b));
    expect(fake().requestsTo("storage").at(-1)?.headers.range).toBeUndefined();
    expect(await readdir(opts.dir)).toEqual(["model.safetensors"]);
  });

  it("starts over when the file changed on the server (new ETag), and resumes when it did not", async () => {
    const v1 = patternBytes(200_000, 3);
    const v2 = patternBytes(200_000, 4);
    const url = fake().serveFile("m.bin", v1, { cutAfterBytes: 80_000, etag: '"v1"' });
    const opts = await options({ fileName: "m.bin", retries: 0 });
    await rejection(downloadFile(url, opts));
    fake().serveFile("m.bin", v2, { etag: '"v2"' }); // replaced upstream while we were away
    const changed = await downloadFile(url, opts);
    expect(changed.resumedFrom).toBe(0);
    expect(sha256(await readFile(changed.path))).toBe(sha256(v2));
    expect(fake().requestsTo("storage").at(-1)?.headers["if-range"]).toBe('"v1"');

    const same = fake().serveFile("same.bin", v1, { cutAfterBytes: 80_000, etag: '"s"' });
    const sameOpts = await options({ fileName: "same.bin", retries: 0 });
    await rejection(downloadFile(same, sameOpts));
    const resumed = await downloadFile(same, sameOpts);
    expect(resumed.resumedFrom).toBeGreaterThan(0);
    expect(sha256(await readFile(resumed.path))).toBe(sha256(v1));
  });

  it("starts over when a server honours Range but ignores If-Range and serves another version", async () => {
    const v1 = patternBytes(100_000, 5);
    const v2 = patternBytes(100_000, 6);
    const opts = await options({ fileName: "x.bin" });
    const url = `${fake().storageUrl}/files/x.bin`;
    await writeFile(join(opts.dir, "x.bin.part"), v1.subarray(0, 30_000));
    await writeFile(join(opts.dir, "x.bin.part.source"), JSON.stringify({ url, etag: '"v1"' }));
    fake().route("storage", "/files/x.bin", (req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      const headers = { etag: '"v2"', "content-length": v2.length - start };
      if (start > 0)
        res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${v2.length - 1}/${v2.length}` });
      else res.writeHead(200, headers);
      res.end(v2.subarray(start));
    });
    const result = await downloadFile(url, opts);
    expect(result.resumedFrom).toBe(0);
    expect(sha256(await readFile(result.path))).toBe(sha256(v2));
  });
});

describe("a server that closes the connection while the reader is behind", () => {
  // undici 7 asserts its HTTP/1 parser is not paused when the peer closes; a reader that is behind pauses it.
  // The AssertionError comes from a socket event: nothing can catch it, and the process dies. A body just over
  // undici's 64 KiB stream buffer, read only after it and the FIN have arrived, pauses the parser on its last
  // byte every time.
  const body = patternBytes(64 * 1024 + 1000, 15);
  const slowly = async (url: string) => {
    const response = await openUrl(url, { tokens: new Map(), network: { env: {} } });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the whole body and the FIN arrive meanwhile
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    return Buffer.concat(chunks);
  };

  it.each([
    ["Connection: close", responseHead("200 OK", { "content-length": body.length, connection: "close" })],
    ["HTTP/1.0 without Content-Length", responseHead("200 OK", {}, "HTTP/1.0")],
  ])("reads the whole body (%s)", async (_, head) => {
    const server = await rogue((socket) => void socket.end(Buffer.concat([head, body])));
    expect(sha256(await slowly(`${server.url}/f`))).toBe(sha256(body));
  });

  it("reports a body cut short as an error the caller can catch", async () => {
    const server = await rogue((socket) => {
      socket.end(
        Buffer.concat([responseHead("200 OK", { "content-length": body.length + 1, connection: "close" }), body]),
      );
    });
    const error = await slowly(`${server.url}/f`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe("UND_ERR_RES_CONTENT_LENGTH_MISMATCH");
  });
});

describe("servers that misbehave", () => {
  it("fails in words when a server stalls mid-body, and keeps the part for a later run", async () => {
    const server = await rogue((socket) => {
      // 40 kB of the promised 100 kB, then silence.
      socket.write(Buffer.concat([responseHead("200 OK", { "content-length": 100_000 }), patternBytes(40_000, 7)]));
    });
    const opts = await options({ fileName: "stall.bin", retries: 1 });
    const error = await rejection(downloadFile(`${server.url}/stall.bin`, opts));
    expect(error.code).toBe("network");
    expect(error.message).toContain("the server stopped sending");
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers.range).toBeUndefined(); // no validator: the part is not trusted
    expect((await readdir(opts.dir)).sort()).toEqual(["stall.bin.part", "stall.bin.part.source"]);
  });

  it("retries a body shorter than its Content-Length and names the failure", async () => {
    const content = patternBytes(50_000, 8);
    const server = await rogue((socket) => {
      socket.end(
        Buffer.concat([
          responseHead("200 OK", { "content-length": content.length + 1000, connection: "close" }),
          content,
        ]),
      );
    });
    const retries: RetryEvent[] = [];
    const opts = await options({ fileName: "short.bin", retries: 2, onRetry: (event) => retries.push(event) });
    const error = await rejection(downloadFile(`${server.url}/short.bin`, opts));
    expect(error.code).toBe("network");
    expect(error.message).toBe(
      `short.bin from ${new URL(server.url).host}: the server sent fewer bytes than it announced`,
    );
    expect(retries.map((r) => [r.retry, r.retries, r.failure.kind])).toEqual([
      [1, 2, "short-body"],
      [2, 2, "short-body"],
    ]);
  });

  it("takes no more than a longer-than-announced body's Content-Length", async () => {
    const content = patternBytes(30_000, 9);
    const server = await rogue((socket) => {
      socket.end(Buffer.concat([responseHead("200 OK", { "content-length": 20_000, connection: "close" }), content]));
    });
    const result = await downloadFile(`${server.url}/long.bin`, await options({ fileName: "long.bin" }));
    expect(result.size).toBe(20_000);
    expect(sha256(await readFile(result.path))).toBe(sha256(content.subarray(0, 20_000)));
  });

  it("cuts a body without Content-Length at the size the source stated, leaving nothing behind", async () => {
    const server = await rogue((socket) => {
      socket.end(Buffer.concat([responseHead("200 OK", {}, "HTTP/1.0"), patternBytes(300_000, 10)]));
    });
    const opts = await options({ fileName: "endless.bin", approximateSize: 100_000 });
    const error = await rejection(downloadFile(`${server.url}/endless.bin`, opts));
    expect(error.code).toBe("size-mismatch");
    expect(error.message).toContain("101000 bytes the source stated");
    expect(await readdir(opts.dir)).toEqual([]);
  });

  it("says 'could not reach HOST: connection refused', announcing each retry", async () => {
    // A port that was just free: nothing listens on it any more.
    const closed = await listen(createServer());
    await closed.close();
    const { port } = closed;
    const retries: RetryEvent[] = [];
    const error = await rejection(
      downloadFile(`http://127.0.0.1:${port}/x.bin`, await options({ retries: 2, onRetry: (e) => retries.push(e) })),
    );
    expect(error.message).toBe(`could not reach 127.0.0.1:${port}: connection refused`);
    expect(error.code).toBe("network");
    expect(retries.map((r) => `${r.retry}/${r.retries} ${r.failure.kind} ${r.host}`)).toEqual([
      `1/2 refused 127.0.0.1:${port}`,
      `2/2 refused 127.0.0.1:${port}`,
    ]);
  });

  it("honours Retry-After on a 503, and gives up at once when the wait asked for is beyond the bound", async () => {
    const content = patternBytes(1000, 11);
    const url = fake().serveFile("busy.bin", content);
    let asked = 0;
    fake().route("storage", "/files/busy.bin", (_req, res) => {
      if (asked++ === 0) {
        res.writeHead(503, { "retry-after": "1", "content-type": "text/plain" });
        return void res.end("busy");
      }
      res.writeHead(200, { "content-length": content.length });
      res.end(content);
    });
    const retries: RetryEvent[] = [];
    await downloadFile(url, await options({ onRetry: (e) => retries.push(e) }));
    expect(retries.map((r) => r.delayMs)).toEqual([1000]);

    fake().route("storage", "/files/later.bin", (_req, res) => {
      res.writeHead(429, { "retry-after": "3600", "content-type": "application/json" });
      res.end('{"error":"slow down"}');
    });
    const limited = await rejection(downloadFile(`${fake().storageUrl}/files/later.bin`, await options()));
    expect(limited.code).toBe("rate-limited");
    expect(limited.message).toContain("the server asks to wait 3600 s");
    expect(
      fake()
        .requestsTo("storage")
        .filter((r) => r.url === "/files/later.bin"),
    ).toHaveLength(1);
  });

  it("redacts a token echoed URL-encoded, \\u-escaped or as HTML entities in an error page served as 200", async () => {
    const token = "tok/en+secret=value";
    const escaped = [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const entities = [...token].map((c) => `&#${c.charCodeAt(0)};`).join("");
    fake().route("civitai", "/api/download/models/5", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><head><title>Denied ${encodeURIComponent(token)} ${entities}</title></head></html>`);
    });
    fake().route("civitai", "/api/download/models/6", (_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(`{"error":"bad key ${escaped}"}`);
    });
    const tokens = new Map([[new URL(fake().civitaiUrl).host, token]]);
    for (const id of [5, 6]) {
      const error = await rejection(
        downloadFile(`${fake().civitaiUrl}/api/download/models/${id}`, await options({ tokens })),
      );
      expect(error.message).not.toContain(token);
      expect(error.message).not.toContain(encodeURIComponent(token));
      expect(error.message).toMatch(/sha256:[0-9a-f]{8}/);
    }
  });
});

describe("the token and the final name", () => {
  it("never sends the token again once a redirect chain has left its origin, even when it comes back", async () => {
    const content = patternBytes(1000, 12);
    const civitai = fake().civitaiUrl;
    fake().route("civitai", "/api/download/models/77", (_req, res) => {
      res.writeHead(302, { location: `${fake().storageUrl}/bounce` });
      res.end();
    });
    fake().route("storage", "/bounce", (_req, res) => {
      res.writeHead(302, { location: `${civitai}/final` });
      res.end();
    });
    fake().route("civitai", "/final", (_req, res) => {
      res.writeHead(200, { "content-length": content.length });
      res.end(content);
    });
    const tokens = new Map([
      [new URL(civitai).host, "s3cret"],
      [new URL(fake().storageUrl).host, "other-secret"],
    ]);
    await downloadFile(`${civitai}/api/download/models/77`, await options({ tokens, fileName: "m.bin" }));
    const auth = fake().requests.map((r) => [r.url, r.headers.authorization]);
    expect(auth).toEqual([
      ["/api/download/models/77", "Bearer s3cret"],
      ["/bounce", undefined],
      ["/final", undefined],
    ]);
  });

  it("never overwrites a file that took the final name while the download ran, and keeps the download", async () => {
    const content = patternBytes(50_000, 13);
    const opts = await options({ fileName: "race.bin" });
    fake().route("storage", "/files/race.bin", async (_req, res) => {
      await writeFile(join(opts.dir, "race.bin"), "the user's own file"); // after our up-front check
      res.writeHead(200, { "content-length": content.length });
      res.end(content);
    });
    const error = await rejection(downloadFile(`${fake().storageUrl}/files/race.bin`, opts));
    expect(error).toBeInstanceOf(TargetExistsError);
    expect(await readFile(join(opts.dir, "race.bin"), "utf8")).toBe("the user's own file");
    expect(sha256(await readFile(join(opts.dir, "race.bin.part")))).toBe(sha256(content));
  });
});

/** A loopback proxy: CONNECT tunnels and absolute-URI forwarding, counting what passed through it. */
async function startProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connect", (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return { url: (await listen(server)).url, seen };
}

describe("proxies", () => {
  it("goes through HTTP_PROXY, and around it for hosts NO_PROXY names", async () => {
    const proxy = await startProxy();
    const content = patternBytes(20_000, 14);
    const url = fake().serveFile("proxied.bin", content);
    const through = await downloadFile(url, await options({ network: { env: { HTTP_PROXY: proxy.url } } }));
    expect(sha256(await readFile(through.path))).toBe(sha256(content));
    const host = new URL(fake().storageUrl).host;
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.seen.every((line) => line.includes(host))).toBe(true);

    const before = proxy.seen.length;
    const around = await downloadFile(
      url,
      await options({ network: { env: { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" } } }),
    );
    expect(sha256(await readFile(around.path))).toBe(sha256(content));
    expect(proxy.seen.length).toBe(before);
  });
});
