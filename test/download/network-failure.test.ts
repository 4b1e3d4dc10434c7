import { describe, expect, it } from "vitest";
import { describeNetworkFailure, isRetryableFailure, networkFailureOf } from "../../src/download/network-failure.js";

const failure = (code: string, wrapped = false) => {
  const error = Object.assign(new Error(`getaddrinfo ${code} civitai.com`), { code });
  return networkFailureOf(wrapped ? new Error("fetch failed", { cause: error }) : error);
};

describe("network failures in words", () => {
  it.each([
    ["ENOTFOUND", "no DNS answer", false],
    ["EAI_AGAIN", "no DNS answer (temporary)", true],
    ["ECONNREFUSED", "connection refused", true],
    ["ECONNRESET", "connection closed by the server", true],
    ["UND_ERR_CONNECT_TIMEOUT", "connection timed out", true],
    ["UND_ERR_HEADERS_TIMEOUT", "no answer from the server", true],
    ["UND_ERR_BODY_TIMEOUT", "the server stopped sending", true],
    ["CERT_HAS_EXPIRED", "TLS failed (CERT_HAS_EXPIRED)", false],
  ])("%s → %j (retried: %s), also when it is the cause", (code, words, retried) => {
    for (const wrapped of [false, true]) {
      const found = failure(code, wrapped);
      expect(found && describeNetworkFailure(found)).toBe(words);
      expect(found && isRetryableFailure(found)).toBe(retried);
    }
  });

  it("is not a network failure when no code says so", () => {
    expect(networkFailureOf(new Error("EACCES"))).toBeNull();
    expect(networkFailureOf(Object.assign(new Error("x"), { code: "EACCES" }))).toBeNull();
  });
});
