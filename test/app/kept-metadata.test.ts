import { describe, expect, it } from "vitest";
import { keptMetadata, METADATA_SHOWN, METADATA_VALUE_CHARS } from "../../src/app/kept-metadata.js";

describe("keptMetadata", () => {
  it("keeps the entries the report shows, in order, each value cut one past what it shows", () => {
    const metadata: Record<string, string> = {};
    for (let i = 0; i < METADATA_SHOWN + 5; i++) metadata[`key${i}`] = i % 2 ? "short" : "x".repeat(40_000 + i);
    const kept = keptMetadata(metadata);
    expect(Object.keys(kept ?? {})).toEqual(Object.keys(metadata).slice(0, METADATA_SHOWN));
    expect(kept?.key0).toBe("x".repeat(METADATA_VALUE_CHARS + 1));
    expect(kept?.key1).toBe("short");
    expect(keptMetadata(null)).toBeNull();
  });

  it("keeps a key named __proto__ as an entry", () => {
    const metadata = JSON.parse('{"__proto__": "value", "a": "b"}') as Record<string, string>;
    expect(Object.entries(keptMetadata(metadata) ?? {})).toEqual([
      ["__proto__", "value"],
      ["a", "b"],
    ]);
  });
});
