import type { Dispatcher } from "undici";

/**
 * How far the reader (hash + disk write) may fall behind the network before the connection is dropped. undici 7's
 * HTTP/1 client crashes the process (an uncatchable `assert(!this.paused)` from a socket 'end' handler) when its
 * parser is paused for backpressure and the peer then closes, which HTTP/1.0 servers and `Connection: close`
 * answers do after every body. So the parser is never paused: bytes are queued here instead, and a reader that
 * falls this far behind (a slow USB disk on a fast line) gets {@link ReaderFellBehindError} after the queued bytes,
 * and the download resumes from what reached the disk. 64 MiB is under a second of a fast line.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/** The reader fell MAX_QUEUED_BYTES behind; the bytes before this error are good, the rest must be requested again. */
export class ReaderFellBehindError extends Error {
  readonly code = "reader-fell-behind";
  constructor() {
    super(`the disk fell ${MAX_QUEUED_BYTES / 1024 / 1024} MiB behind the network`);
  }
}

/** The body of one response, read as an async iterable of chunks. Reading never blocks undici's parser. */
export class ResponseBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined;
  #abort: ((reason: Error) => void) | undefined;

  /** Called by the dispatch handler: how to close the connection when the body is abandoned. */
  attach(abort: (reason: Error) => void): void {
    this.#abort = abort;
  }

  push(chunk: Buffer): void {
    if (this.#ended) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > MAX_QUEUED_BYTES) {
      this.fail(new ReaderFellBehindError());
      this.#abort?.(new ReaderFellBehindError());
    }
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Abandons the body: closes the connection unless the response already ended. */
  destroy(): void {
    const unfinished = !this.#ended;
    this.#ended = true;
    this.#chunks = [];
    this.#queued = 0;
    if (unfinished) this.#abort?.(new Error("response body abandoned"));
    this.#notify();
  }

  /** Discards the body (redirects, errors already quoted); the connection is closed if bytes are still coming. */
  async dump(): Promise<void> {
    this.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        const chunk = this.#chunks.shift();
        if (chunk !== undefined) {
          this.#queued -= chunk.length;
          yield chunk;
        } else if (this.#error !== undefined) {
          throw this.#error;
        } else if (this.#ended) {
          return;
        } else {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      }
    } finally {
      if (!this.#ended || this.#chunks.length > 0) this.destroy(); // the reader stopped early
    }
  }
}

export interface DispatchedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
}

/**
 * Sends one request through `dispatcher` with a handler that never pauses the HTTP/1 parser (see MAX_QUEUED_BYTES).
 * Resolves at the response head; errors before it reject, errors after it surface from the body.
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  url: URL,
  options: { method: string; headers: Record<string, string>; signal?: AbortSignal; idleTimeoutMs: number },
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    const body = new ResponseBody();
    let started = false;
    let controller: Dispatcher.DispatchController | undefined;
    const onAbort = () =>
      controller?.abort(options.signal?.reason instanceof Error ? options.signal.reason : new Error("aborted"));
    const settle = () => options.signal?.removeEventListener("abort", onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(requestController) {
        controller = requestController;
        body.attach((reason) => requestController.abort(reason));
        if (options.signal?.aborted) onAbort();
      },
      onResponseStart(_, statusCode, headers) {
        started = true;
        resolve({ statusCode, headers: headers as DispatchedResponse["headers"], body });
      },
      onResponseData(_, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        settle();
        body.end();
      },
      onResponseError(_, error) {
        settle();
        if (started) body.fail(error);
        else reject(error);
      },
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: options.method as Dispatcher.HttpMethod,
        headers: options.headers,
        headersTimeout: options.idleTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
      },
      handler,
    );
  });
}
