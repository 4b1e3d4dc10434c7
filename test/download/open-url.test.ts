import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { describe, expect, it } from "vitest";
import type { Loopback } from "../../fixtures/loopback.js";
import { MAX_REDIRECTS, type OpenedUrl, type OpenUrlOptions, openUrl } from "../../src/download/open-url.js";
import { useLoopbackServers } from "../use-loopback-servers.js";

interface SeenRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}

/** A real HTTP server on 127.0.0.1 that records every request it answers. */
interface Host extends Loopback {
  seen: SeenRequest[];
}

const { listen } = useLoopbackServers();

async function host(respond: RequestListener): Promise<Host> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    respond(req, res);
  });
  return { ...(await listen(server)), seen };
}

/** Answers `/hop/N` with `status` to `/hop/N+1` until `hops` redirects were sent, then 200 "arrived". */
function redirectChain(hops: number, status = 302): RequestListener {
  return (req, res) => {
    const n = Number(/^\/hop\/(\d+)$/.exec(req.url ?? "")?.[1] ?? 0);
    if (n < hops) {
      res.writeHead(status, { location: `/hop/${n + 1}` });
      res.end();
    } else res.end("arrived");
  };
}

async function open(url: string, options: Partial<OpenUrlOptions> = {}): Promise<OpenedUrl> {
  return openUrl(url, { tokens: new Map(), network: { env: {}, idleTimeoutMs: 5000 }, ...options });
}

async function text(opened: OpenedUrl): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe("openUrl follows redirects within limits", () => {
  it(`follows ${MAX_REDIRECTS} redirects and refuses the one after, naming the origin`, async () => {
    const server = await host(redirectChain(MAX_REDIRECTS));
    const opened = await open(`${server.url}/hop/0`);
    expect(opened.status).toBe(200);
    expect(await text(opened)).toBe("arrived");
    expect(opened.url).toBe(`${server.url}/hop/${MAX_REDIRECTS}`);
    expect(opened.redirects).toEqual(Array.from({ length: MAX_REDIRECTS }, (_, i) => `${server.url}/hop/${i + 1}`));

    const endless = await host(redirectChain(Number.POSITIVE_INFINITY));
    await expect(open(`${endless.url}/hop/0`)).rejects.toMatchObject({
      code: "network",
      message: `more than ${MAX_REDIRECTS} redirects from ${endless.url}`,
    });
    expect(endless.seen).toHaveLength(MAX_REDIRECTS + 1);
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`follows a ${status}`, async () => {
      const server = await host(redirectChain(1, status));
      expect(await text(await open(`${server.url}/hop/0`))).toBe("arrived");
    });
  }

  it("returns a redirect status without a Location, and a 200 or 201 with one, as it is", async () => {
    const server = await host((req, res) => {
      if (req.url === "/no-location") res.writeHead(302);
      else res.writeHead(req.url === "/created" ? 201 : 200, { location: "/elsewhere" });
      res.end("here");
    });
    for (const [path, status] of [
      ["/no-location", 302],
      ["/created", 201],
      ["/ok", 200],
    ] as const) {
      const opened = await open(`${server.url}${path}`);
      expect(opened.status).toBe(status);
      expect(opened.redirects).toEqual([]);
      expect(await text(opened)).toBe("here");
    }
    expect(server.seen.map((r) => r.url)).toEqual(["/no-location", "/created", "/ok"]);
  });

  it("keeps HEAD a HEAD through a 303 and a 307, and GET a GET", async () => {
    for (const status of [303, 307]) {
      const server = await host(redirectChain(1, status));
      await open(`${server.url}/hop/0`, { method: "HEAD" });
      await open(`${server.url}/hop/0`);
      expect(server.seen.map((r) => r.method)).toEqual(["HEAD", "HEAD", "GET", "GET"]);
    }
  });

  it("refuses a redirect to a scheme other than http(s) without requesting it, and a first URL that is no URL", async () => {
    for (const location of ["file:///etc/passwd", "ftp://127.0.0.1/model.safetensors"]) {
      const server = await host((_req, res) => {
        res.writeHead(302, { location });
        res.end();
      });
      await expect(open(`${server.url}/start`)).rejects.toMatchObject({
        code: "invalid-source",
        message: `unsupported URL scheme ${new URL(location).protocol}`,
      });
    }
    await expect(open("model.safetensors")).rejects.toMatchObject({
      code: "invalid-source",
      message: "not a URL: model.safetensors",
    });
  });

  it("tries an https URL (here a plain-HTTP port, so the TLS handshake fails) rather than refusing its scheme", async () => {
    const server = await host((_req, res) => res.end());
    await expect(open(`https://${server.host}/x`)).rejects.toMatchObject({ code: "network" });
  });

  it("an abort while waiting for the answer is the abort, not a network failure", async () => {
    const controller = new AbortController();
    const reason = new Error("SIGINT");
    const server = await host(() => controller.abort(reason)); // never answers
    await expect(open(`${server.url}/slow`, { signal: controller.signal })).rejects.toBe(reason);
  });

  it("names the host it could not reach", async () => {
    const server = await host((_req, res) => res.end());
    await server.close();
    await expect(open(`${server.url}/gone`)).rejects.toMatchObject({
      code: "network",
      message: expect.stringMatching(new RegExp(`^could not reach ${server.host}: `)),
    });
  });
});

describe("openUrl sends the token only to its origin", () => {
  it("sends it on every hop while the chain stays on the origin, and reports the one sent last", async () => {
    const server = await host(redirectChain(2));
    const opened = await open(`${server.url}/hop/0`, { tokens: new Map([[server.host, "s3cret"]]) });
    expect(server.seen.map((r) => r.headers.authorization)).toEqual(Array(3).fill("Bearer s3cret"));
    expect(opened.sentToken).toBe("s3cret");
  });

  it("sends none to a host it has no token for", async () => {
    const server = await host(redirectChain(0));
    const opened = await open(`${server.url}/hop/0`, { tokens: new Map([["127.0.0.1:1", "s3cret"]]) });
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
    expect(opened.sentToken).toBeUndefined();
  });

  it("with sameOriginOnly, follows a same-origin redirect and stops at the first that leaves the origin", async () => {
    const storage = await host((_req, res) => res.end("storage"));
    const origin = await host((req, res) => {
      res.writeHead(302, { location: req.url === "/a" ? "/b" : `${storage.url}/file` });
      res.end("leaving");
    });
    const tokens = new Map([
      [origin.host, "s3cret"],
      [storage.host, "other"],
    ]);
    const opened = await open(`${origin.url}/a`, { method: "HEAD", sameOriginOnly: true, tokens });
    expect(opened.status).toBe(302);
    expect(opened.headers.location).toBe(`${storage.url}/file`);
    expect(opened.url).toBe(`${origin.url}/b`);
    expect(opened.redirects).toEqual([`${origin.url}/b`]);
    expect(opened.sentToken).toBe("s3cret");
    expect(storage.seen).toEqual([]);

    const followed = await open(`${origin.url}/a`, { tokens });
    expect(await text(followed)).toBe("storage");
    expect(followed.sentToken).toBeUndefined();
    expect(storage.seen[0]?.headers.authorization).toBeUndefined();
  });
});

describe("openUrl request headers", () => {
  it("asks for the identity encoding and names itself; a caller's headers are added", async () => {
    const server = await host((_req, res) => res.end());
    await open(`${server.url}/x`, { headers: { range: "bytes=10-" } });
    const headers = server.seen[0]!.headers;
    expect(headers["accept-encoding"]).toBe("identity");
    expect(headers["user-agent"]).toMatch(/^sdmodels\//);
    expect(headers.range).toBe("bytes=10-");
  });
});
