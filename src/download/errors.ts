import type { NetworkFailure } from "./network-failure.js";

export type DownloadErrorCode =
  | "invalid-source"
  | "not-authorized"
  | "not-found"
  | "network"
  | "rate-limited"
  | "size-mismatch"
  | "hash-mismatch"
  | "truncated"
  | "error-page"
  | "http-status"
  | "target-exists"
  | "bad-response";

/**
 * Download and lookup failures, each with a kebab-case `code` for programs; the CLI alone turns a code into an exit
 * code. Messages are one line and never contain a token.
 */
export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input is not a URL or id sdmodels can download, or the server called the request malformed (400). */
export class InvalidSourceError extends DownloadError {
  constructor(message: string) {
    super("invalid-source", message);
  }
}

/** 401/403: a token is missing, wrong, or not enough (early access, gated repo). */
export class NotAuthorizedError extends DownloadError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super("not-authorized", message);
  }
}

/** 404/410, or an API answer without a downloadable file (archived, taken down). */
export class NotFoundError extends DownloadError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super("not-found", message);
  }
}

/** Transport failures and 5xx answers that outlived every retry. `failure` is absent for answers no retry can fix. */
export class NetworkError extends DownloadError {
  readonly failure: NetworkFailure | undefined;
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; failure?: NetworkFailure; retryAfterMs?: number }) {
    super("network", message, options);
    this.failure = options?.failure;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A 429 that outlived every retry. */
export class RateLimitedError extends DownloadError {
  readonly failure: NetworkFailure = { kind: "http-status", status: 429 };
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super("rate-limited", message);
  }
}

/** Size or SHA-256 mismatch, a truncated body, or an error page served in place of the file. */
export class IntegrityError extends DownloadError {
  constructor(code: "size-mismatch" | "hash-mismatch" | "truncated" | "error-page", message: string) {
    super(code, message);
  }
}

/** Any other unexpected HTTP status (a 4xx we have no advice for). */
export class HttpStatusError extends DownloadError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super("http-status", message);
  }
}

/** The final file already exists and the caller did not allow replacing it. */
export class TargetExistsError extends DownloadError {
  /** `keptAs`: where the finished download was left when the name was taken while it ran. */
  constructor(
    readonly path: string,
    readonly keptAs?: string,
  ) {
    super(
      "target-exists",
      `${path} already exists; not overwriting it${keptAs ? ` (the download is kept as ${keptAs})` : ""}`,
    );
  }
}

/** An answer no retry can fix: a 2xx body that is not what the API documents, a redirect to no URL. */
export class BadResponseError extends DownloadError {
  constructor(message: string) {
    super("bad-response", message);
  }
}
