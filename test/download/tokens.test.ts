import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createTokenSet,
  queryTokens,
  redactQueryTokens,
  tokenFingerprint,
  tokenForUrl,
} from "../../src/download/tokens.js";

// Written from the mutants StrykerJS left alive in tokens.ts (npm run mutate): each test pins one rule that a
// changed line would break unnoticed, because the end-to-end tests run against 127.0.0.1, one host with no case.

const SERVICES = { civitaiBaseUrl: "https://civitai.com", hfBaseUrl: "https://huggingface.co" };

describe("createTokenSet and tokenForUrl", () => {
  it("finds a token by the URL's host, as the URL parser spells it", () => {
    const tokens = createTokenSet({ ...SERVICES, env: { CIVITAI_TOKEN: "civ", HF_TOKEN: "hf" } });
    expect(tokenForUrl(tokens, new URL("https://CivitAI.com/api/download/models/1"))).toBe("civ");
    expect(tokenForUrl(tokens, new URL("https://huggingface.co/x/y/resolve/main/z.safetensors"))).toBe("hf");
    expect(tokenForUrl(tokens, new URL("https://civitai.com.evil.example/"))).toBeUndefined();
  });

  it("keeps CIVITAI_TOKEN when the URL is named but no --token is given", () => {
    const tokens = createTokenSet({
      ...SERVICES,
      env: { CIVITAI_TOKEN: "civ" },
      tokenFor: "https://civitai.com/models/1",
    });
    expect(tokenForUrl(tokens, new URL("https://civitai.com/api/v1/models/1"))).toBe("civ");
  });

  it("sends --token only to the host it was given for, ahead of the environment's token", () => {
    const tokens = createTokenSet({
      ...SERVICES,
      env: { CIVITAI_TOKEN: "civ" },
      token: "flag",
      tokenFor: "https://civitai.com/models/1",
    });
    expect(tokenForUrl(tokens, new URL("https://civitai.com/api/v1/models/1"))).toBe("flag");
    expect(tokenForUrl(tokens, new URL("https://huggingface.co/"))).toBeUndefined();
  });

  it("keeps the Civitai token when both services are mirrored on one host and HF_TOKEN is unset", () => {
    const mirror = { civitaiBaseUrl: "https://models.internal", hfBaseUrl: "https://models.internal/hf" };
    const tokens = createTokenSet({ ...mirror, env: { CIVITAI_TOKEN: "civ" } });
    expect(tokenForUrl(tokens, new URL("https://models.internal/api/v1/models/1"))).toBe("civ");
  });
});

describe("tokenFingerprint", () => {
  it("shows the first 8 hex digits of the token's SHA-256, never more", () => {
    const digest = createHash("sha256").update("secret").digest("hex");
    expect(tokenFingerprint("secret")).toBe(`sha256:${digest.slice(0, 8)}`);
  });
});

describe("tokens in a URL's query", () => {
  it("counts a ?token= key as the host's token unless --token names one", () => {
    const url = "https://civitai.com/api/download/models/1?type=Model&token=k1";
    expect(createTokenSet({ ...SERVICES, env: {}, tokenFor: url }).get("civitai.com")).toBe("k1");
    expect(createTokenSet({ ...SERVICES, env: {}, token: "flag", tokenFor: url }).get("civitai.com")).toBe("flag");
  });

  it("replaces the key, raw or percent-encoded, by its fingerprint and leaves other parameters", () => {
    const url = "https://h.example/f?type=Model&TOKEN=a%2Bb";
    expect(redactQueryTokens(url)).toBe(`https://h.example/f?type=Model&TOKEN=${tokenFingerprint("a+b")}`);
    expect(redactQueryTokens(`failed: a+b`, url)).toBe(`failed: ${tokenFingerprint("a+b")}`);
    expect(redactQueryTokens("not a url")).toBe("not a url");
  });

  it("knows the other spellings of a key parameter, in any case", () => {
    expect(queryTokens("https://h.example/f?access_token=a&Api_Key=b&APIKEY=c&tokens=d&key=e")).toEqual([
      "a",
      "b",
      "c",
    ]);
  });
});
