import { createHash, type Hash } from "node:crypto";
import { link, lstat, open, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readChunks } from "../hash/read-chunks.js";
import { SNIFF_BYTES } from "../read/sniff.js";
import { type RetryOptions, withRetries } from "./backoff.js";
import { type BaseUrls, baseUrlsFromEnv } from "./base-urls.js";
import { looksLikeErrorPage } from "./error-page.js";
import { DownloadError, IntegrityError, InvalidSourceError, NetworkError, TargetExistsError } from "./errors.js";
import { chooseFileName, sanitizeFileName } from "./file-name.js";
import type { NetworkOptions } from "./network.js";
import { describeNetworkFailure, networkFailureOf } from "./network-failure.js";
import { headerValue, type OpenedUrl, openUrl } from "./open-url.js";
import { ReaderFellBehindError } from "./response-body.js";
import { errorForStatus, messageFromBody, readBodySnippet, type Service } from "./status-errors.js";
import { redactQueryTokens, type TokenSet } from "./tokens.js";

/** Progress callbacks at most this often, so a 100 MB/s transfer does not call the renderer 1,500 times a second. */
export const PROGRESS_INTERVAL_MS = 100;
export const PART_SUFFIX = ".part";
/** Beside `<name>.part`: which URL and which version of it (ETag / Last-Modified) the part's bytes came from. */
export const PART_SOURCE_SUFFIX = ".part.source";
/**
 * A body whose length nobody stated (no Content-Length, no size from Civitai or Hugging Face) stops here: the
 * largest single model files published (video models in fp32) are near 60 GB, and a server streaming forever must
 * not fill the disk.
 */
export const MAX_UNSTATED_BODY_BYTES = 128 * 1024 ** 3;
/**
 * Civitai's `sizeKB` is rounded; a body without Content-Length may exceed that figure by this share before it is cut.
 */
const STATED_SIZE_SLACK = 0.01;

export interface DownloadProgress {
  received: number;
  total: number | undefined;
  bytesPerSecond: number;
}

export interface DownloadOptions extends RetryOptions {
  /** Existing directory the file lands in. */
  dir: string;
  /** Name to save under (sanitised); without it the server's name is used (Content-Disposition, redirects, URL). */
  fileName?: string;
  /** Lower- or upper-case hex; a mismatch deletes the part file. */
  expectedSha256?: string;
  /** Exact byte count; Civitai's `sizeKB` is rounded and must not be passed here. */
  expectedSize?: number;
  /** A rounded size the service states (Civitai's `sizeKB × 1024`): bounds a body sent without Content-Length. */
  approximateSize?: number;
  tokens: TokenSet;
  onProgress?(progress: DownloadProgress): void;
  /** Replace an existing final file (default: fail with TargetExistsError). */
  overwrite?: boolean;
  /** Which hosts get Civitai or Hugging Face advice in errors; default from the environment. */
  baseUrls?: BaseUrls;
  /** Proxy variables and timeouts. */
  network?: NetworkOptions;
}

export interface DownloadResult {
  path: string;
  fileName: string;
  size: number;
  sha256: string;
  /** Bytes reused from an earlier `.part` (0 for a fresh transfer). */
  resumedFrom: number;
}

/** What a `.part` was fetched from. A part is resumed only from the same URL, and only while the validator holds. */
interface PartSource {
  /** With any query token replaced by its fingerprint: the record sits in a download folder others may read. */
  url: string;
  etag?: string;
  lastModified?: string;
}

/** A transport error that outlived the retries, as a NetworkError in words that says which file from which host. */
function asDownloadError(error: unknown, transfer: Transfer): unknown {
  if (error instanceof DownloadError) return error;
  const failure = networkFailureOf(error);
  if (failure === null) return error;
  const what = transfer.name ?? "download";
  return new NetworkError(`${what} from ${new URL(transfer.url).host}: ${describeNetworkFailure(failure)}`, {
    cause: error,
    failure,
  });
}

function serviceOf(url: string, baseUrls: BaseUrls): Service {
  const host = new URL(url).host;
  if (host === new URL(baseUrls.civitaiBaseUrl).host) return "civitai";
  if (host === new URL(baseUrls.hfBaseUrl).host) return "huggingface";
  return "other";
}

/** `bytes start-end/total`; total may be `*`. */
function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === "*" ? undefined : Number(match[3]) };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function assertAbsent(path: string): Promise<void> {
  try {
    await stat(path);
  } catch {
    return;
  }
  throw new TargetExistsError(path);
}

/**
 * Moves the verified part file into place without ever replacing a file that appeared meanwhile (another
 * download, the user): `link` fails with EEXIST atomically, unlike `rename`. Where hard links are refused (FAT,
 * exFAT, some network mounts) the name is claimed with an exclusive create first, and only our own empty
 * placeholder is then replaced.
 */
async function publish(part: string, target: string, overwrite: boolean): Promise<void> {
  await place(part, target, overwrite);
  await rm(part.replace(/\.part$/, PART_SOURCE_SUFFIX), { force: true });
}

async function place(part: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(part, target);
  try {
    await link(part, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new TargetExistsError(target, part);
    try {
      await (await open(target, "wx")).close();
    } catch (claim) {
      if ((claim as NodeJS.ErrnoException).code === "EEXIST") throw new TargetExistsError(target, part);
      throw claim;
    }
    return rename(part, target);
  }
  await unlink(part);
}

/** The validator of an answer as If-Range accepts it: a strong ETag, else Last-Modified (RFC 9110 §13.1.5). */
function validatorsOf(response: OpenedUrl): Omit<PartSource, "url"> {
  const etag = headerValue(response.headers, "etag");
  const lastModified = headerValue(response.headers, "last-modified");
  return {
    ...(etag && !etag.startsWith("W/") ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

function sameSource(recorded: PartSource, url: string, response: OpenedUrl): boolean {
  const now = validatorsOf(response);
  if (recorded.url !== redactQueryTokens(url)) return false;
  if (recorded.etag !== undefined) return recorded.etag === now.etag;
  return recorded.lastModified !== undefined && recorded.lastModified === now.lastModified;
}

/** Group and other write bits: a part anyone else may write cannot vouch for its bytes. */
const WRITABLE_BY_OTHERS = 0o022;
/** Mode of the part and its record: private writes, readable like any downloaded file. */
const PART_MODE = 0o644;

/**
 * Whether `path` is a plain file this user wrote and nobody else may change. In a shared (world-writable) download
 * folder another user can plant `<name>.part` with hostile leading bytes and a `.part.source` naming the real URL
 * and its public ETag; resuming would splice the server's tail onto them. lstat: a link is never followed, and a
 * hard link (a second name) is refused too. Windows has no uid and reports no meaningful mode bits: skipped there.
 */
async function writtenByUs(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => null);
  if (info === null || !info.isFile()) return false;
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  return info.uid === uid && (info.mode & WRITABLE_BY_OTHERS) === 0 && info.nlink === 1;
}

async function readPartSource(part: string): Promise<PartSource | null> {
  const record = part.replace(/\.part$/, PART_SOURCE_SUFFIX);
  if (!(await writtenByUs(part)) || !(await writtenByUs(record))) return null;
  try {
    const json = JSON.parse(await readFile(record, "utf8")) as Partial<PartSource>;
    if (typeof json.url !== "string") return null;
    const source: PartSource = { url: json.url };
    if (typeof json.etag === "string") source.etag = json.etag;
    if (typeof json.lastModified === "string") source.lastModified = json.lastModified;
    return source.etag !== undefined || source.lastModified !== undefined ? source : null;
  } catch {
    return null;
  }
}

async function removePart(part: string): Promise<void> {
  await rm(part, { force: true });
  await rm(part.replace(/\.part$/, PART_SOURCE_SUFFIX), { force: true });
}

interface Transfer {
  url: string;
  options: DownloadOptions;
  baseUrls: BaseUrls;
  name: string | undefined;
  /** A transfer from byte 0 fell MAX_QUEUED_BYTES behind once already. */
  fellBehindFromStart?: boolean;
}

/** Feeds the part's first `length` bytes to `hash`; false if the part is shorter now (another process truncated it). */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    let seen = 0;
    for await (const chunk of readChunks(handle, 0, length)) {
      hash.update(chunk);
      seen += chunk.length;
    }
    return seen === length;
  } finally {
    await handle.close();
  }
}

/**
 * Streams one response body into the part file; throws on anything short of a complete, verified file. Null when
 * the part to continue shrank meanwhile: the caller starts over.
 */
async function receive(
  transfer: Transfer,
  response: OpenedUrl,
  name: string,
  start: number,
  total: number | undefined,
): Promise<DownloadResult | null> {
  const { options } = transfer;
  const part = join(options.dir, name + PART_SUFFIX);
  const hash = createHash("sha256");
  if (start > 0) {
    const intact = await hashPrefix(part, start, hash).catch((error: unknown) => {
      response.body.destroy(); // unread, it would hold its connection open
      throw error;
    });
    if (!intact) {
      response.body.destroy();
      await removePart(part);
      return null;
    }
  } else {
    // Starting over: whatever sits under these names (a planted file, a link) is removed, never written through.
    await removePart(part);
    await writeFile(
      part.replace(/\.part$/, PART_SOURCE_SUFFIX),
      JSON.stringify({ url: redactQueryTokens(transfer.url), ...validatorsOf(response) }),
      {
        flag: "wx",
        mode: PART_MODE,
      },
    );
  }
  const host = new URL(response.url).host;
  // Content-Length, else what the service stated, else the documented cap: no server can fill the disk.
  const limit =
    total ??
    options.expectedSize ??
    (options.approximateSize !== undefined
      ? Math.ceil(options.approximateSize * (1 + STATED_SIZE_SLACK))
      : MAX_UNSTATED_BODY_BYTES);
  const began = Date.now();
  let lastReport = 0;
  let received = start;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!options.onProgress || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return;
    lastReport = now;
    const seconds = (now - began) / 1000;
    options.onProgress({ received, total, bytesPerSecond: seconds > 0 ? (received - start) / seconds : 0 });
  };

  let head: Buffer | null = start > 0 ? null : Buffer.alloc(0); // null once the body has passed the sniff
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  const write = async (chunk: Buffer) => {
    if (received + chunk.length > limit) {
      throw new IntegrityError(
        "size-mismatch",
        `${host} sent more than the ${limit} bytes ${total !== undefined ? "it announced" : "the source stated"}`,
      );
    }
    handle ??= await open(part, start > 0 ? "r+" : "wx", PART_MODE);
    await handle.write(chunk, 0, chunk.length, received);
    hash.update(chunk);
    received += chunk.length;
    report(false);
  };
  const sniff = async (final: boolean) => {
    if (head === null || (!final && head.length < SNIFF_BYTES)) return;
    const bytes = head;
    head = null;
    if (looksLikeErrorPage(bytes, name, total)) {
      const rest = final ? "" : await readBodySnippet(response.body);
      const quoted = messageFromBody(bytes.toString("utf8") + rest, options.tokens.values());
      throw new IntegrityError(
        "error-page",
        `${host} answered with a web page instead of a model file${quoted ? `: "${quoted}"` : ""}`,
      );
    }
    if (bytes.length > 0) await write(bytes);
  };

  try {
    report(true);
    for await (const chunk of response.body) {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        await sniff(false);
      } else {
        await write(chunk);
      }
    }
    await sniff(true);
    handle ??= await open(part, start > 0 ? "r+" : "wx", PART_MODE); // an empty file is still a file
  } catch (error) {
    if (error instanceof IntegrityError) await removePart(part);
    if (error instanceof ReaderFellBehindError && start === 0) {
      // Falling behind is answered by resuming; twice from byte 0 means this server cannot resume, and it would loop.
      if (transfer.fellBehindFromStart)
        throw new NetworkError(`${name}: the disk is slower than the network and ${host} cannot resume`);
      transfer.fellBehindFromStart = true;
    }
    throw error;
  } finally {
    response.body.destroy();
    await handle?.close();
  }
  report(true);

  if (total !== undefined && received < total) {
    throw new IntegrityError("truncated", `${host} ended ${name} after ${received} of ${total} bytes`);
  }
  const sha256 = hash.digest("hex");
  if (options.expectedSize !== undefined && received !== options.expectedSize) {
    await removePart(part);
    throw new IntegrityError("size-mismatch", `${name}: received ${received} bytes, expected ${options.expectedSize}`);
  }
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
    await removePart(part);
    throw new IntegrityError(
      "hash-mismatch",
      `${name}: SHA-256 ${sha256} does not match the expected ${options.expectedSha256.toLowerCase()}`,
    );
  }
  const target = join(options.dir, name);
  await publish(part, target, options.overwrite ?? false);
  return { path: target, fileName: name, size: received, sha256, resumedFrom: start };
}

/** Range and If-Range for a part that may be continued; none (start over) unless it comes from this very URL. */
async function resumeHeaders(
  transfer: Transfer,
  part: string,
): Promise<{ offset: number; headers: Record<string, string> }> {
  const offset = await sizeOf(part);
  if (offset === 0) return { offset: 0, headers: {} };
  const source = await readPartSource(part);
  if (source === null || source.url !== redactQueryTokens(transfer.url)) {
    await removePart(part); // bytes of unknown origin: another URL's file of the same name, or an old sdmodels
    return { offset: 0, headers: {} };
  }
  return { offset, headers: { range: `bytes=${offset}-`, "if-range": source.etag ?? source.lastModified! } };
}

/** One attempt: request (resuming a part from the same source), validate the answer, and receive the body. */
async function attempt(transfer: Transfer): Promise<DownloadResult> {
  const { options } = transfer;
  const partOf = (name: string) => join(options.dir, name + PART_SUFFIX);
  let resume = transfer.name ? await resumeHeaders(transfer, partOf(transfer.name)) : { offset: 0, headers: {} };
  for (;;) {
    const { offset } = resume;
    const response = await openUrl(transfer.url, {
      tokens: options.tokens,
      signal: options.signal,
      headers: resume.headers,
      network: options.network,
    });
    const host = new URL(response.url).host;
    if (response.status === 416 && offset > 0 && transfer.name) {
      // The part is as long as or longer than the file now is: it cannot be trusted, start over.
      await response.body.dump();
      await removePart(partOf(transfer.name));
      resume = { offset: 0, headers: {} };
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      const body = await readBodySnippet(response.body);
      throw errorForStatus(response.status, host, serviceOf(response.url, transfer.baseUrls), body, {
        sentToken: response.sentToken,
        secrets: options.tokens.values(),
        retryAfter: headerValue(response.headers, "retry-after"),
      });
    }
    if (!transfer.name) {
      const chosen = chooseFileName({
        contentDisposition: headerValue(response.headers, "content-disposition"),
        redirects: response.redirects,
        url: response.url,
      });
      if (!chosen) {
        await response.body.dump();
        throw new InvalidSourceError(`${host} gave no usable file name; pass one explicitly`);
      }
      if (!options.overwrite) {
        await assertAbsent(join(options.dir, chosen)).catch(async (error) => {
          await response.body.dump();
          throw error;
        });
      }
      transfer.name = chosen;
      // Only now is the name known: a part of it left by an earlier run of this URL is continued, not refetched.
      const earlier = await readPartSource(partOf(chosen));
      if (
        response.status === 200 &&
        earlier !== null &&
        sameSource(earlier, transfer.url, response) &&
        (await sizeOf(partOf(chosen))) > 0
      ) {
        await response.body.dump();
        resume = await resumeHeaders(transfer, partOf(chosen));
        continue;
      }
    }
    let start = 0;
    let total: number | undefined;
    if (response.status === 206) {
      const range = parseContentRange(headerValue(response.headers, "content-range"));
      const recorded = await readPartSource(partOf(transfer.name));
      // A server that honours Range but ignores If-Range would splice another version's bytes onto the part.
      if (!range || range.start !== offset || recorded === null || !sameSource(recorded, transfer.url, response)) {
        await response.body.dump();
        if (offset === 0) throw new NetworkError(`${host} answered 206 with an unusable Content-Range`);
        await removePart(partOf(transfer.name));
        resume = { offset: 0, headers: {} };
        continue;
      }
      start = offset;
      total = range.total;
    } else {
      // 200 to a Range request: the server ignored it, or If-Range found the file changed. Restart from 0.
      const length = headerValue(response.headers, "content-length");
      total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    }
    if (options.expectedSize !== undefined && total !== undefined && total !== options.expectedSize) {
      await response.body.dump();
      await removePart(partOf(transfer.name));
      throw new IntegrityError("size-mismatch", `${host} announces ${total} bytes, expected ${options.expectedSize}`);
    }
    const result = await receive(transfer, response, transfer.name, start, total);
    if (result) return result;
    resume = { offset: 0, headers: {} };
  }
}

/**
 * Downloads `url` into `options.dir`. Bytes go to `<name>.part` and are renamed to `<name>` only once the size and
 * (when given) the SHA-256 match, so a file under its final name is always complete. A part file is resumed only
 * when `<name>.part.source` says it came from the same URL and the server confirms (If-Range) it has not changed.
 * 5xx, 429 and transport errors are retried with back-off, continuing from the bytes already written.
 */
export async function downloadFile(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const transfer: Transfer = { url, options, baseUrls: options.baseUrls ?? baseUrlsFromEnv(), name: undefined };
  if (options.fileName !== undefined) {
    const name = sanitizeFileName(options.fileName);
    if (!name) throw new InvalidSourceError(`unusable file name ${JSON.stringify(options.fileName)}`);
    transfer.name = name;
    if (!options.overwrite) await assertAbsent(join(options.dir, name));
  }
  try {
    return await withRetries(new URL(url).host, () => attempt(transfer), options);
  } catch (error) {
    throw asDownloadError(error, transfer);
  }
}
