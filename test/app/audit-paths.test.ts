import { describe, expect, it } from "vitest";
import { onePathPerFile } from "../../src/app/audit-paths.js";

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
