import { appendFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { identityOf } from "../../src/install/file-identity.js";
import { type PlaceFs, placeFile } from "../../src/install/place-file.js";
import { useTempDirs } from "../helpers.js";

const tempDir = useTempDirs();

/** A few copy chunks: the content is a header then a hole, like the sparse model fixtures. */
const MULTI_CHUNK_BYTES = 20 * 1024 * 1024 + 123;

describe("placeFile by copy", () => {
  it("copies every byte of a file of several chunks and reports progress up to its size", async () => {
    const dir = await tempDir();
    const source = join(dir, "model.bin");
    await writeFile(source, "header bytes");
    await truncate(source, MULTI_CHUNK_BYTES);
    const progress: number[] = [];
    const result = await placeFile(source, join(dir, "copy.bin"), {
      keepSource: true,
      onBytes: (copied) => progress.push(copied),
    });
    expect(result).toEqual({ method: "copy" });
    expect((await readFile(join(dir, "copy.bin"))).equals(await readFile(source))).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(MULTI_CHUNK_BYTES);
    expect((await readdir(dir)).sort()).toEqual(["copy.bin", "model.bin"]);
  });

  it("refuses a source that grows while it is copied, and leaves no copy or temp file behind", async () => {
    const dir = await tempDir();
    const source = join(dir, "growing.bin");
    await writeFile(source, "");
    await truncate(source, MULTI_CHUNK_BYTES);
    let grown = false;
    const copying = placeFile(source, join(dir, "copy.bin"), {
      keepSource: true,
      onBytes: () => {
        // After the first chunk: the next read is already in flight, the ones after it see the new length.
        if (!grown) appendFileSync(source, "appended while copying");
        grown = true;
      },
    });
    await expect(copying).rejects.toMatchObject({ code: "source-changed" });
    expect(await readdir(dir)).toEqual(["growing.bin"]);
  });
});

/** An errno error as the kernel's answer would arrive from fs/promises. */
function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation refused, ${syscall}`), { code, syscall });
}

/** Real fs calls, except link(), which fails as a filesystem without hard links answers. */
function withoutHardLinks(code: string) {
  const calls: string[] = [];
  const fs: PlaceFs = {
    link: async () => {
      calls.push("link");
      throw errno(code, "link");
    },
    rename: async (from, to) => {
      calls.push("rename");
      return fsp.rename(from, to);
    },
    unlink: fsp.unlink,
    open: fsp.open,
    lstat: fsp.lstat,
    readlink: fsp.readlink,
    symlink: fsp.symlink,
  };
  return { fs, calls };
}

describe("placeFile on filesystems without hard links (exFAT, SMB, NFS)", () => {
  for (const code of ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]) {
    it(`link refused with ${code}: moves by rename, and never over an existing file`, async () => {
      const dir = await tempDir();
      const { fs, calls } = withoutHardLinks(code);
      await writeFile(join(dir, "new.safetensors"), "new");
      await writeFile(join(dir, "taken.safetensors"), "someone else's");
      await expect(
        placeFile(join(dir, "new.safetensors"), join(dir, "taken.safetensors"), { keepSource: false, fs }),
      ).rejects.toMatchObject({
        code: "destination-exists",
      });
      expect(await readFile(join(dir, "taken.safetensors"), "utf8")).toBe("someone else's");
      expect(await readFile(join(dir, "new.safetensors"), "utf8")).toBe("new");

      expect(
        await placeFile(join(dir, "new.safetensors"), join(dir, "free.safetensors"), { keepSource: false, fs }),
      ).toEqual({ method: "rename" });
      expect((await readdir(dir)).sort()).toEqual(["free.safetensors", "taken.safetensors"]);
      expect(await readFile(join(dir, "free.safetensors"), "utf8")).toBe("new");
      expect(calls).toContain("rename");
    });
  }

  it("a share answering link() with EXDEV even in one folder gets a copy, never over an existing file", async () => {
    const dir = await tempDir();
    const { fs, calls } = withoutHardLinks("EXDEV");
    await writeFile(join(dir, "m.bin"), "model bytes");
    await writeFile(join(dir, "taken.bin"), "someone else's");
    await expect(
      placeFile(join(dir, "m.bin"), join(dir, "taken.bin"), { keepSource: false, fs }),
    ).rejects.toMatchObject({ code: "destination-exists" });
    expect(await readFile(join(dir, "taken.bin"), "utf8")).toBe("someone else's");
    expect((await readdir(dir)).sort()).toEqual(["m.bin", "taken.bin"]);

    expect(await placeFile(join(dir, "m.bin"), join(dir, "placed.bin"), { keepSource: false, fs })).toEqual({
      method: "copy",
    });
    expect(await readFile(join(dir, "placed.bin"), "utf8")).toBe("model bytes");
    expect(calls.filter((c) => c === "rename")).toHaveLength(1);
  });
});

describe("placeFile places only the file that was inspected", () => {
  it("refuses a source whose identity is not the recorded one, before touching anything", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "inspected");
    const expected = identityOf(await fsp.lstat(source));
    // Same size, same mtime, new inode: a download tool replacing the file by rename.
    await writeFile(join(dir, "swap"), "SWAPPED!!");
    await fsp.utimes(join(dir, "swap"), expected.mtimeMs / 1000, expected.mtimeMs / 1000);
    await fsp.rename(join(dir, "swap"), source);
    for (const keepSource of [false, true]) {
      await expect(placeFile(source, join(dir, "out.safetensors"), { keepSource, expected })).rejects.toMatchObject({
        code: "source-changed",
      });
    }
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });

  it("a copy checks the descriptor it reads: a swap after the check and before open() is caught", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "inspected");
    const swapping: PlaceFs = {
      ...withoutHardLinks("EPERM").fs,
      open: (async (path: string, ...rest: unknown[]) => {
        if (path === source)
          await writeFile(join(dir, "swap"), "payload!!").then(() => fsp.rename(join(dir, "swap"), source));
        return (fsp.open as (...a: unknown[]) => Promise<fsp.FileHandle>)(path, ...rest);
      }) as PlaceFs["open"],
    };
    await expect(
      placeFile(source, join(dir, "out.safetensors"), { keepSource: true, fs: swapping }),
    ).rejects.toMatchObject({
      code: "source-changed",
    });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });
});

describe("placeFile edge cases", () => {
  it("copies a file whose name is long in UTF-8 bytes (CJK): the temp name stays within 255 bytes", async () => {
    const dir = await tempDir();
    const name = `${"模".repeat(80)}.safetensors`; // 252 bytes
    await writeFile(join(dir, "src.bin"), "x");
    expect(await placeFile(join(dir, "src.bin"), join(dir, name), { keepSource: true })).toEqual({ method: "copy" });
    expect((await readdir(dir)).sort()).toEqual(["src.bin", name].sort());
  });

  it("copies a model named by a symlink as a link, never the bytes it points to; else refuses a link", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "secret"), "private key");
    await fsp.symlink("secret", join(dir, "x.safetensors"));
    await fsp.mkdir(join(dir, "out"));
    await expect(
      placeFile(join(dir, "x.safetensors"), join(dir, "out/x.safetensors"), { keepSource: true }),
    ).rejects.toMatchObject({
      code: "not-a-regular-file",
    });
    await expect(
      placeFile(join(dir, "x.safetensors"), join(dir, "out/x.safetensors"), { keepSource: false }),
    ).rejects.toMatchObject({
      code: "not-a-regular-file",
    });
    expect(await readdir(join(dir, "out"))).toEqual([]);
    await placeFile(join(dir, "x.safetensors"), join(dir, "out/x.safetensors"), { keepSource: true, carryLink: true });
    expect(await fsp.readlink(join(dir, "out/x.safetensors"))).toBe("secret");
  });

  it("an aborted copy removes its partial temp file and throws the abort reason", async () => {
    const dir = await tempDir();
    const source = join(dir, "big.bin");
    await writeFile(source, "");
    await truncate(source, MULTI_CHUNK_BYTES);
    const controller = new AbortController();
    const reason = new Error("SIGINT");
    const copying = placeFile(source, join(dir, "copy.bin"), {
      keepSource: true,
      signal: controller.signal,
      onBytes: () => controller.abort(reason),
    });
    await expect(copying).rejects.toBe(reason);
    expect(await readdir(dir)).toEqual(["big.bin"]);
  });
});
