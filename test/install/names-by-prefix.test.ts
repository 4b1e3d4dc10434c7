import { describe, expect, it } from "vitest";
import { NamesByPrefix } from "../../src/install/names-by-prefix.js";

describe("NamesByPrefix", () => {
  it("finds every name with the prefix, in listing order, and no other", () => {
    const names = ["b.png", "a.safetensors", "a-b.safetensors", "A.txt", "a.preview.png", "a", "ab.pt", "a.", "é.pt"];
    const index = new NamesByPrefix(names);
    expect(index.startingWith("a.")).toEqual(["a.safetensors", "a.preview.png", "a."]);
    expect(index.startingWith("a")).toEqual(names.filter((n) => n.startsWith("a")));
    expect(index.startingWith("é.")).toEqual(["é.pt"]);
    expect(index.startingWith("z.")).toEqual([]);
    expect(index.startingWith("")).toEqual(names);
    expect(new NamesByPrefix([]).startingWith("a.")).toEqual([]);
  });
});
