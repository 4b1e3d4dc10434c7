import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REAL_FS } from "../../src/install/copy-file.js";
import { type PlaceFs, placeFile } from "../../src/install/place-file.js";
import { identityOf } from "../../src/model/file-identity.js";
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
    await expect(copying).rejects.toMatchObject({ code: "source-changed", field: "size" });
    expect(await readdir(dir)).toEqual(["growing.bin"]);
  });
});

/** An errno error as the kernel's answer would arrive from fs/promises. */
function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation refused, ${syscall}`), { code, syscall });
}

/** The real filesystem calls, with `overrides` in place of some: a disk or share that answers one call its way. */
function realFsWith(overrides: Partial<PlaceFs>): PlaceFs {
  return { ...REAL_FS, ...overrides };
}

/** Real fs calls, except link(), which fails as a filesystem without hard links answers. */
function withoutHardLinks(code: string) {
  const calls: string[] = [];
  const fs = realFsWith({
    link: async () => {
      calls.push("link");
      throw errno(code, "link");
    },
    rename: async (from, to) => {
      calls.push("rename");
      return fsp.rename(from, to);
    },
  });
  return { fs, calls };
}

describe("placeFile on filesystems without hard links (exFAT, SMB, NFS)", () => {
  for (const code of ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"]) {
    it(`link refused with ${code}: moves by rename, and never over an existing file`, async () => {
      const dir = await tempDir();
      const { fs, calls } = withoutHardLinks(code);
      await writeFile(join(dir, "new.safetensors"), "new");
      await writeFile(join(dir, "taken.safetensors"), "someone else's");
      await expect(
        placeFile(join(dir, "new.safetensors"), join(dir, "taken.safetensors"), { keepSource: false, fs }),
      ).rejects.toMatchObject({
        code: "destination-exists",
        message: expect.stringContaining(join(dir, "taken.safetensors")),
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

/** Open calls on a folder (the fsync that makes a new name durable) fail with `code`; every other call is real. */
function folderSyncFails(code: string): PlaceFs {
  return realFsWith({
    open: (async (path: string, flags?: string | number, mode?: number) => {
      if (flags === "r") throw errno(code, "open");
      return fsp.open(path, flags, mode);
    }) as PlaceFs["open"],
  });
}

describe("placeFile leaves exactly what was there when a step fails", () => {
  it("a link() that fails for another reason than missing hard links is the error: no copy is made instead", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "model");
    // A failing disk answers link() on the source with EIO; a link from our own temp file would still work.
    const fs = realFsWith({
      link: async (from, to) => {
        if (from === source) throw errno("EIO", "link");
        return fsp.link(from, to);
      },
    });
    await expect(placeFile(source, join(dir, "out.safetensors"), { keepSource: false, fs })).rejects.toMatchObject({
      code: "EIO",
    });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);

    // Committing a copy's temp file: EIO is not "this share has no hard links", so nothing is renamed into place.
    const tempLinkFails = realFsWith({ link: async () => Promise.reject(errno("EIO", "link")) });
    await expect(
      placeFile(source, join(dir, "out.safetensors"), { keepSource: true, fs: tempLinkFails }),
    ).rejects.toMatchObject({ code: "EIO" });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });

  it("a source swapped between the check and link() is put back, and the move is refused", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "inspected");
    const expected = identityOf(await fsp.lstat(source));
    const fs = realFsWith({
      link: async (from, to) => {
        if (from === source)
          await writeFile(join(dir, "swap"), "payload!!").then(() => fsp.rename(join(dir, "swap"), source));
        return fsp.link(from, to);
      },
    });
    await expect(
      placeFile(source, join(dir, "out.safetensors"), { keepSource: false, expected, fs }),
    ).rejects.toMatchObject({ code: "source-changed", field: "ino" });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
    expect(await readFile(source, "utf8")).toBe("payload!!");
  });

  it("a link model replaced by another link since it was inspected is not copied", async () => {
    const dir = await tempDir();
    const model = join(dir, "x.safetensors");
    await fsp.symlink("real-model.safetensors", model);
    const expected = identityOf(await fsp.lstat(model));
    await fsp.symlink("/etc/shadow", join(dir, "swap"));
    await fsp.rename(join(dir, "swap"), model);
    await fsp.mkdir(join(dir, "out"));
    await expect(
      placeFile(model, join(dir, "out/x.safetensors"), { keepSource: true, carryLink: true, expected }),
    ).rejects.toMatchObject({ code: "source-changed" });
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });

  it("a FIFO swapped in before the copy opens the source is refused as not a regular file", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "inspected");
    const fs = realFsWith({
      open: (async (path: string, flags?: string | number, mode?: number) => {
        if (path === source) {
          await fsp.unlink(source);
          execFileSync("mkfifo", [source]);
        }
        return fsp.open(path, flags, mode);
      }) as PlaceFs["open"],
    });
    await expect(placeFile(source, join(dir, "out.safetensors"), { keepSource: true, fs })).rejects.toMatchObject({
      code: "not-a-regular-file",
    });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });

  it("a source rewritten in place during the copy (same size, timestamp set back) leaves no copy", async () => {
    const dir = await tempDir();
    const source = join(dir, "model.bin");
    await writeFile(source, "header bytes");
    await truncate(source, MULTI_CHUNK_BYTES);
    let rewritten = false;
    const copying = placeFile(source, join(dir, "copy.bin"), {
      keepSource: true,
      onBytes: () => {
        if (rewritten) return;
        rewritten = true;
        execFileSync("dd", ["if=/dev/zero", `of=${source}`, "bs=12", "count=1", "conv=notrunc", "status=none"]);
        execFileSync("touch", ["-d", "2001-01-01", source]);
      },
    });
    await expect(copying).rejects.toMatchObject({ code: "source-changed" });
    expect(await readdir(dir)).toEqual(["model.bin"]);
  });

  it("an error from unlinking the moved source takes the new name back", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "model");
    const fs = realFsWith({
      unlink: async (path) => {
        if (path === source) throw errno("EROFS", "unlink");
        return fsp.unlink(path);
      },
    });
    await expect(placeFile(source, join(dir, "out.safetensors"), { keepSource: false, fs })).rejects.toMatchObject({
      code: "EROFS",
    });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });

  it("without hard links: a missing destination folder is that error, and a failed rename drops our placeholder", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.safetensors");
    await writeFile(source, "model");
    await expect(
      placeFile(source, join(dir, "missing/out.safetensors"), { keepSource: false, fs: withoutHardLinks("EPERM").fs }),
    ).rejects.toMatchObject({ code: "ENOENT" });

    const renameFails = realFsWith({
      link: async () => Promise.reject(errno("EPERM", "link")),
      rename: async () => Promise.reject(errno("EIO", "rename")),
    });
    await expect(
      placeFile(source, join(dir, "out.safetensors"), { keepSource: false, fs: renameFails }),
    ).rejects.toMatchObject({ code: "EIO" });
    expect(await readdir(dir)).toEqual(["m.safetensors"]);
  });

  for (const code of ["EISDIR", "EPERM", "EINVAL", "EBADF", "ENOTSUP"]) {
    it(`a folder that cannot be fsynced (${code}, Windows or a network share) still gets the file`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, "a.bin"), "a");
      await writeFile(join(dir, "b.bin"), "b");
      const fs = folderSyncFails(code);
      expect(await placeFile(join(dir, "a.bin"), join(dir, "a-moved.bin"), { keepSource: false, fs })).toEqual({
        method: "rename",
      });
      expect(await placeFile(join(dir, "b.bin"), join(dir, "b-copy.bin"), { keepSource: true, fs })).toEqual({
        method: "copy",
      });
      expect((await readdir(dir)).sort()).toEqual(["a-moved.bin", "b-copy.bin", "b.bin"]);
    });
  }

  it("a folder fsync that fails with EIO fails the placement: a move is put back, a copy removed", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "m.bin"), "model");
    const fs = folderSyncFails("EIO");
    for (const keepSource of [false, true]) {
      await expect(placeFile(join(dir, "m.bin"), join(dir, "out.bin"), { keepSource, fs })).rejects.toMatchObject({
        code: "EIO",
      });
      expect(await readdir(dir)).toEqual(["m.bin"]);
    }
  });
});

describe("placeFile keeps what a copy should keep", () => {
  it("a copy keeps the source's modification and access times to the sub-millisecond", async () => {
    const dir = await tempDir();
    const source = join(dir, "m.bin");
    await writeFile(source, "model");
    await fsp.utimes(source, 1_600_000_000.25, 1_650_000_000.125);
    await placeFile(source, join(dir, "copy.bin"), { keepSource: true });
    const copy = await fsp.stat(join(dir, "copy.bin"));
    expect(copy.mtimeMs).toBe(1_650_000_000_125);
    expect(copy.atimeMs).toBe(1_600_000_000_250);
  });

  it("a link is carried by rename where the share refuses link() with EXDEV; a taken name leaves no temp link", async () => {
    const dir = await tempDir();
    await fsp.symlink("model-target.safetensors", join(dir, "x.safetensors"));
    const { fs } = withoutHardLinks("EXDEV");
    await placeFile(join(dir, "x.safetensors"), join(dir, "y.safetensors"), { keepSource: true, carryLink: true, fs });
    expect(await fsp.readlink(join(dir, "y.safetensors"))).toBe("model-target.safetensors");

    await writeFile(join(dir, "taken.safetensors"), "someone else's");
    await expect(
      placeFile(join(dir, "x.safetensors"), join(dir, "taken.safetensors"), { keepSource: true, carryLink: true }),
    ).rejects.toMatchObject({ code: "destination-exists" });
    expect((await readdir(dir)).sort()).toEqual(["taken.safetensors", "x.safetensors", "y.safetensors"]);
  });

  it.runIf(existsSync("/proc/self/fd"))("a copy closes every descriptor it opened", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "m.bin"), "model");
    const before = readdirSync("/proc/self/fd").length;
    for (let i = 0; i < 5; i++) await placeFile(join(dir, "m.bin"), join(dir, `copy-${i}.bin`), { keepSource: true });
    expect(readdirSync("/proc/self/fd").length).toBe(before);
  });
});
