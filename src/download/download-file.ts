import { createHash, type Hash } from "node:crypto";
import { link, open, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { readChunks } from "../hash/read-chunks.js";
import { baseUrlsFromEnv, type BaseUrls } from "./base-urls.js";
import { backoffDelay, DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, isTransportError, sleep } from "./backoff.js";
import { looksLikeErrorPage, SNIFF_BYTES } from "./error-page.js";
import { DownloadError, IntegrityError, InvalidSourceError, NetworkError, TargetExistsError } from "./errors.js";
import { chooseFileName, sanitizeFileName } from "./file-name.js";
import { headerValue, openUrl, type OpenedUrl } from "./open-url.js";
import { errorForStatus, messageFromBody, readBodySnippet, type Service } from "./status-errors.js";
import type { TokenSet } from "./tokens.js";

/** Progress callbacks at most this often, so a 100 MB/s transfer does not call the renderer 1,500 times a second. */
export const PROGRESS_INTERVAL_MS = 100;
export const PART_SUFFIX = ".part";

export interface DownloadProgress {
  received: number;
  total: number | undefined;
  bytesPerSecond: number;
}

export interface DownloadOptions {
  /** Existing directory the file lands in. */
  dir: string;
  /** Name to save under (sanitised); without it the server's name is used, and a `.part` from an earlier run cannot be resumed. */
  fileName?: string;
  /** Lower- or upper-case hex; a mismatch deletes the part file. */
  expectedSha256?: string;
  /** Exact byte count; Civitai's `sizeKB` is rounded and must not be passed here. */
  expectedSize?: number;
  tokens: TokenSet;
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Retries after the first attempt on 5xx, 429 and transport errors. */
  retries?: number;
  retryBaseDelayMs?: number;
  /** Replace an existing final file (default: fail with TargetExistsError). */
  overwrite?: boolean;
  /** Which hosts get Civitai or Hugging Face advice in errors; default from the environment. */
  baseUrls?: BaseUrls;
}

export interface DownloadResult {
  path: string;
  fileName: string;
  size: number;
  sha256: string;
  /** Bytes reused from an earlier `.part` (0 for a fresh transfer). */
  resumedFrom: number;
}

function isRetryable(error: unknown): boolean {
  if (error instanceof DownloadError) return error.code === "NETWORK" || error.code === "RATE_LIMITED" || error.code === "TRUNCATED";
  return isTransportError(error);
}

/** A transport error that outlived the retries, as a NetworkError that says which file from which host. */
function asDownloadError(error: unknown, transfer: Transfer): unknown {
  if (error instanceof DownloadError || !isRetryable(error)) return error;
  const what = transfer.name ?? "download";
  return new NetworkError(`${what} from ${new URL(transfer.url).host}: ${(error as Error).message}`, { cause: error });
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

/** Moves the verified part file into place without ever replacing a file that appeared meanwhile. */
async function publish(part: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(part, target);
  try {
    await link(part, target); // fails with EEXIST atomically, unlike rename
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      await rm(part, { force: true });
      throw new TargetExistsError(target);
    }
    // Filesystems without hard links (FAT, exFAT, some network mounts): check, then rename.
    await assertAbsent(target);
    return rename(part, target);
  }
  await unlink(part);
}

interface Transfer {
  url: string;
  options: DownloadOptions;
  baseUrls: BaseUrls;
  name: string | undefined;
}

async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  const handle = await open(path, "r");
  try {
    let seen = 0;
    for await (const chunk of readChunks(handle, 0, length)) {
      hash.update(chunk);
      seen += chunk.length;
    }
    if (seen !== length) throw new NetworkError(`partial file ${path} shrank while resuming`);
  } finally {
    await handle.close();
  }
}

/** Streams one response body into the part file; throws on anything short of a complete, verified file. */
async function receive(transfer: Transfer, response: OpenedUrl, name: string, start: number, total: number | undefined): Promise<DownloadResult> {
  const { options } = transfer;
  const part = join(options.dir, name + PART_SUFFIX);
  const hash = createHash("sha256");
  if (start > 0) {
    try {
      await hashPrefix(part, start, hash);
    } catch (error) {
      response.body.destroy(); // unread, it would hold its connection open until garbage collection
      throw error;
    }
  }
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
    handle ??= await open(part, start > 0 ? "r+" : "w");
    await handle.write(chunk, 0, chunk.length, received);
    hash.update(chunk);
    received += chunk.length;
    if (total !== undefined && received > total) {
      throw new IntegrityError("SIZE_MISMATCH", `${new URL(response.url).host} sent more than the ${total} bytes it announced`);
    }
    report(false);
  };
  const sniff = async (final: boolean) => {
    if (head === null || (!final && head.length < SNIFF_BYTES)) return;
    const bytes = head;
    head = null;
    if (looksLikeErrorPage(bytes, name, total)) {
      const rest = final ? "" : await readBodySnippet(response.body);
      const quoted = messageFromBody(bytes.toString("utf8") + rest);
      throw new IntegrityError("ERROR_PAGE", `${new URL(response.url).host} answered with a web page instead of a model file${quoted ? `: "${quoted}"` : ""}`);
    }
    if (bytes.length > 0) await write(bytes);
  };

  try {
    report(true);
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        await sniff(false);
      } else {
        await write(chunk);
      }
    }
    await sniff(true);
    handle ??= await open(part, start > 0 ? "r+" : "w"); // an empty file is still a file
  } catch (error) {
    if (error instanceof IntegrityError) await rm(part, { force: true });
    throw error;
  } finally {
    await handle?.close();
  }
  report(true);

  if (total !== undefined && received < total) {
    throw new IntegrityError("TRUNCATED", `${new URL(response.url).host} ended ${name} after ${received} of ${total} bytes`);
  }
  const sha256 = hash.digest("hex");
  if (options.expectedSize !== undefined && received !== options.expectedSize) {
    await rm(part, { force: true });
    throw new IntegrityError("SIZE_MISMATCH", `${name}: received ${received} bytes, expected ${options.expectedSize}`);
  }
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
    await rm(part, { force: true });
    throw new IntegrityError("HASH_MISMATCH", `${name}: SHA-256 ${sha256} does not match the expected ${options.expectedSha256.toLowerCase()}`);
  }
  const target = join(options.dir, name);
  await publish(part, target, options.overwrite ?? false);
  return { path: target, fileName: name, size: received, sha256, resumedFrom: start };
}

/** One attempt: request (with Range when a part file exists), validate the answer, and receive the body. */
async function attempt(transfer: Transfer): Promise<DownloadResult> {
  const { options } = transfer;
  const partOf = (name: string) => join(options.dir, name + PART_SUFFIX);
  let offset = transfer.name ? await sizeOf(partOf(transfer.name)) : 0;
  for (;;) {
    const response = await openUrl(transfer.url, {
      tokens: options.tokens,
      signal: options.signal,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    });
    const host = new URL(response.url).host;
    if (response.status === 416 && offset > 0 && transfer.name) {
      // The part is as long as or longer than the file now is: it cannot be trusted, start over.
      await response.body.dump();
      await rm(partOf(transfer.name), { force: true });
      offset = 0;
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      const body = await readBodySnippet(response.body);
      throw errorForStatus(response.status, host, serviceOf(response.url, transfer.baseUrls), body, response.sentToken);
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
    }
    let start = 0;
    let total: number | undefined;
    if (response.status === 206) {
      const range = parseContentRange(headerValue(response.headers, "content-range"));
      if (!range || range.start !== offset) {
        await response.body.dump();
        if (offset === 0) throw new NetworkError(`${host} answered 206 with an unusable Content-Range`);
        offset = 0; // the server resumed somewhere else: restart from scratch
        await rm(partOf(transfer.name), { force: true });
        continue;
      }
      start = offset;
      total = range.total;
    } else {
      // 200 to a Range request means the server ignored it (huggingface_hub http_get): restart from 0.
      const length = headerValue(response.headers, "content-length");
      total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    }
    if (options.expectedSize !== undefined && total !== undefined && total !== options.expectedSize) {
      await response.body.dump();
      await rm(partOf(transfer.name), { force: true });
      throw new IntegrityError("SIZE_MISMATCH", `${host} announces ${total} bytes, expected ${options.expectedSize}`);
    }
    return receive(transfer, response, transfer.name, start, total);
  }
}

/**
 * Downloads `url` into `options.dir`. Bytes go to `<name>.part` and are renamed to `<name>` only once the size and
 * (when given) the SHA-256 match, so a file under its final name is always complete. An existing part file is
 * resumed. 5xx, 429 and transport errors are retried with back-off, continuing from the bytes already written.
 */
export async function downloadFile(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const transfer: Transfer = { url, options, baseUrls: options.baseUrls ?? baseUrlsFromEnv(), name: undefined };
  if (options.fileName !== undefined) {
    const name = sanitizeFileName(options.fileName);
    if (!name) throw new InvalidSourceError(`unusable file name ${JSON.stringify(options.fileName)}`);
    transfer.name = name;
    if (!options.overwrite) await assertAbsent(join(options.dir, name));
  }
  const retries = options.retries ?? DEFAULT_RETRIES;
  const base = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt(transfer);
    } catch (error) {
      if (options.signal?.aborted || !isRetryable(error) || failures >= retries) throw asDownloadError(error, transfer);
      await sleep(backoffDelay(failures, base), options.signal);
    }
  }
}
