/**
 * What went wrong on the wire, as a type: retries, errors and the CLI's retry lines are all made from it, so a user
 * reads "could not reach civitai.com: no DNS answer" instead of `getaddrinfo ENOTFOUND` after silent retries.
 */
export type NetworkFailure =
  | { kind: "dns"; temporary: boolean }
  | { kind: "refused" }
  | { kind: "reset" }
  | { kind: "unreachable" }
  | { kind: "connect-timeout" }
  | { kind: "silent"; phase: "headers" | "body" }
  | { kind: "short-body" }
  | { kind: "tls"; code: string }
  | { kind: "reader-behind" }
  | { kind: "http-status"; status: number }
  | { kind: "other"; code: string };

/** libuv and undici error codes, by the failure they mean. */
const KIND_BY_CODE: Readonly<Record<string, NetworkFailure>> = {
  ENOTFOUND: { kind: "dns", temporary: false },
  EAI_AGAIN: { kind: "dns", temporary: true },
  ECONNREFUSED: { kind: "refused" },
  ECONNRESET: { kind: "reset" },
  ECONNABORTED: { kind: "reset" },
  EPIPE: { kind: "reset" },
  UND_ERR_SOCKET: { kind: "reset" },
  UND_ERR_CLOSED: { kind: "reset" },
  ENETUNREACH: { kind: "unreachable" },
  EHOSTUNREACH: { kind: "unreachable" },
  ENETDOWN: { kind: "unreachable" },
  ETIMEDOUT: { kind: "connect-timeout" },
  UND_ERR_CONNECT_TIMEOUT: { kind: "connect-timeout" },
  UND_ERR_HEADERS_TIMEOUT: { kind: "silent", phase: "headers" },
  UND_ERR_BODY_TIMEOUT: { kind: "silent", phase: "body" },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { kind: "short-body" },
  "reader-fell-behind": { kind: "reader-behind" },
};

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The failure a thrown transport error stands for (its own code, else its cause's), or null if it is none. */
export function networkFailureOf(error: unknown): NetworkFailure | null {
  for (
    let current = error, depth = 0;
    current && depth < 4;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const code = codeOf(current);
    if (code === undefined) continue;
    const known = KIND_BY_CODE[code];
    if (known) return known;
    if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return { kind: "tls", code };
  }
  return null;
}

/** Worth another attempt: the next one may well succeed (a name that does not exist or a bad certificate will not). */
export function isRetryableFailure(failure: NetworkFailure): boolean {
  switch (failure.kind) {
    case "dns":
      return failure.temporary;
    case "tls":
    case "other":
      return false;
    case "http-status":
      return failure.status === 429 || failure.status >= 500;
    default:
      return true;
  }
}

/** The failure in a few words, for error messages and retry lines. */
export function describeNetworkFailure(failure: NetworkFailure): string {
  switch (failure.kind) {
    case "dns":
      return failure.temporary ? "no DNS answer (temporary)" : "no DNS answer";
    case "refused":
      return "connection refused";
    case "reset":
      return "connection closed by the server";
    case "unreachable":
      return "network unreachable";
    case "connect-timeout":
      return "connection timed out";
    case "silent":
      return failure.phase === "headers" ? "no answer from the server" : "the server stopped sending";
    case "short-body":
      return "the server sent fewer bytes than it announced";
    case "tls":
      return `TLS failed (${failure.code})`;
    case "reader-behind":
      return "the disk fell behind the network";
    case "http-status":
      return failure.status === 429 ? "rate limited (HTTP 429)" : `HTTP ${failure.status}`;
    case "other":
      return failure.code;
  }
}
