import { describe, expect, it } from "vitest";
import { onePathPerFile, otherDirectNames } from "../../src/app/audit-paths.js";

describe("onePathPerFile", () => {
  it("keeps one path per (dev, ino), preferring the one reached without a link", () => {
    const paths = onePathPerFile([
      { path: "/w/models/Stable-diffusion/shared/a.safetensors", file: "1:7", direct: false },
      { path: "/w/models/Stable-diffusion/b.safetensors", file: "1:8", direct: true },
      { path: "/w/models/Lora/a.safetensors", file: "1:7", direct: true },
    ]);
    expect(paths).toEqual(["/w/models/Stable-diffusion/b.safetensors", "/w/models/Lora/a.safetensors"]);
  });

  it("keeps the first of several linked paths and each unreadable path once", () => {
    const paths = onePathPerFile([
      { path: "/w/x/a.ckpt", file: "1:7", direct: false },
      { path: "/w/y/a.ckpt", file: "1:7", direct: false },
      { path: "/w/gone.ckpt", file: null, direct: false },
      { path: "/w/gone.ckpt", file: null, direct: false },
    ]);
    expect(paths).toEqual(["/w/x/a.ckpt", "/w/gone.ckpt"]);
  });
});

describe("otherDirectNames", () => {
  it("lists each file's other hard-linked names, not the names it was reached at through a folder link", () => {
    const seen = [
      { path: "/w/models/Lora/evil.ckpt", file: "1:7", direct: true },
      { path: "/w/models/Stable-diffusion/shared/evil.ckpt", file: "1:7", direct: false },
      { path: "/w/models/Stable-diffusion/inpaint.ckpt", file: "1:7", direct: true },
      { path: "/w/models/Lora/good.safetensors", file: "1:8", direct: true },
    ];
    expect(otherDirectNames(seen, onePathPerFile(seen))).toEqual({
      "/w/models/Lora/evil.ckpt": ["/w/models/Stable-diffusion/inpaint.ckpt"],
    });
  });
});
