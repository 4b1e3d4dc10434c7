import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTOV3_THREAD_MIN_BYTES } from "../../src/hash/sha256-thread.js";
import { useTempDirs } from "../helpers.js";
import { runCli, useBuiltCli } from "./run-cli.js";

const cli = runCli;
const builtCli = useBuiltCli();
const tempDir = useTempDirs("sdmodels-cli-hash-");

/** The minimal safetensors test vector: u64 LE 112, a 112-byte header, then f32 LE 1.0, 2.0 (128 bytes). */
function vectorFile(): Buffer {
  const header = Buffer.from(
    '{"__metadata__":{"ss_base_model_version":"sdxl_base_v1-0"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}',
  );
  expect(header.length).toBe(112);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(112n);
  const data = Buffer.alloc(8);
  data.writeFloatLE(1, 0);
  data.writeFloatLE(2, 4);
  return Buffer.concat([length, header, data]);
}

const SHA256 = "1a544d5acb9909c42c09aaeef9cd447d263c3676ff495c1e5d428be544ff6834";

describe("sdmodels hash", () => {
  it("prints SHA-256, AutoV2, AutoV1 and AutoV3 as JSON, and serves the second run from the cache", async () => {
    const dir = await tempDir();
    const file = join(dir, "vector.safetensors");
    await writeFile(file, vectorFile());
    const env = { SDMODELS_STATE_DIR: join(dir, "state") };
    const first = await cli(["hash", file, "--json"], { env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const expected = {
      path: file,
      size: 128,
      sha256: SHA256,
      autov2: SHA256.slice(0, 10),
      autov1: null,
      autov3: "b9c80b5adeca",
    };
    expect(JSON.parse(first.stdout)).toEqual([{ ...expected, cached: false }]);
    const second = await cli(["hash", file, "--json"], { env });
    expect(JSON.parse(second.stdout)).toEqual([{ ...expected, cached: true }]);
    const uncached = await cli(["hash", file, "--json", "--no-cache"], { env });
    expect(JSON.parse(uncached.stdout)).toEqual([{ ...expected, cached: false }]);
  });

  it("prints a table, and fails with one line naming a missing file before hashing anything", async () => {
    const dir = await tempDir();
    const file = join(dir, "vector.safetensors");
    await writeFile(file, vectorFile());
    const env = { SDMODELS_STATE_DIR: join(dir, "state") };
    const table = await cli(["hash", file], { env });
    expect(table.stdout).toMatch(
      new RegExp(
        `^FILE\\s+SIZE\\s+SHA256\\s+AUTOV2\\s+AUTOV1\\s+AUTOV3\\n` +
          `${file}\\s+128 B\\s+${SHA256}\\s+1a544d5acb\\s+-\\s+b9c80b5adeca\\n$`,
      ),
    );
    const missing = join(dir, "nope.bin");
    const run = await cli(["hash", file, missing], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`sdmodels: ${missing}: no such file\n`);
  });

  it("as a process, gives a file whose AutoV3 stream runs on the thread booted at start the one-thread digests", async () => {
    const dir = await tempDir();
    const file = join(dir, "big.safetensors");
    // Random bytes, so a chunk hashed from the wrong ring slot changes the digest; past the size that gets a thread.
    const data = randomBytes(AUTOV3_THREAD_MIN_BYTES + 5 * 1024 * 1024 + 3);
    const header = Buffer.from(`{"w":{"dtype":"U8","shape":[${data.length}],"data_offsets":[0,${data.length}]}}`);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    await writeFile(file, Buffer.concat([prefix, header, data]));
    const env = { SDMODELS_STATE_DIR: join(dir, "state") };
    // In-process runs use the TypeScript sources, which have no compiled worker: both streams on one thread.
    const oneThread = await cli(["hash", file, "--json", "--no-cache"], { env });
    const child = await builtCli(["hash", file, "--json", "--no-cache"], { env });
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(JSON.parse(oneThread.stdout));
    expect(JSON.parse(child.stdout)[0].autov3).toMatch(/^[0-9a-f]{12}$/);
  });
});
