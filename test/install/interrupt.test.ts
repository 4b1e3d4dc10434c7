import { spawn } from "node:child_process";
import { lstat, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MODEL_FIXTURES } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { identityOf } from "../../src/install/file-identity.js";
import type { JournalData } from "../../src/install/journal.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { isTempName } from "../../src/install/temp-files.js";
import { undoBatch } from "../../src/install/undo-batch.js";
import { useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { A1111_MARKERS, filesUnder, touch } from "./fake-webui.js";

const tempDir = useTempDirs("sdmodels-interrupt-");

/** A separate tmpfs on most Linux systems; /tmp is on the main disk here. */
const OTHER_DEVICE_ROOT = "/dev/shm";

/** The compiled CLI the child runs: Node 20 cannot import the TypeScript sources. */
const checkout = useBuiltCheckout();

/** The child: the real CLI, run the way bin/sdmodels.js runs it. */
const CHILD_SCRIPT = `
const { main } = await import(process.env.MAIN_URL);
process.exitCode = await main(["node", "sdmodels", ...JSON.parse(process.env.ARGS)]);
`;

const lora = MODEL_FIXTURES.find((f) => f.id === "sd1-lora-kohya")!;
/** A full SD1 checkpoint, sparse: gigabytes to copy across filesystems, time enough to be interrupted mid-copy. */
const checkpoint = MODEL_FIXTURES.find((f) => f.id === "sd1-checkpoint-ldm-safetensors")!;

describe("SIGINT and SIGTERM during install", () => {
  const otherDeviceDirs: string[] = [];
  afterEach(async () => {
    await Promise.all(otherDeviceDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} mid-copy: no partial copy, batch interrupted, exit ${exitCode}, undo reverts it`, async (ctx) => {
      const here = (await stat(tmpdir())).dev;
      const there = await stat(OTHER_DEVICE_ROOT).then(
        (s) => s.dev,
        () => null,
      );
      if (there === null || there === here)
        ctx.skip(
          `${OTHER_DEVICE_ROOT} is missing or on the same device as ${tmpdir()}: cannot force a copy, test skipped`,
        );
      const sourceDir = await mkdtemp(join(OTHER_DEVICE_ROOT, "sdmodels-sigint-"));
      otherDeviceDirs.push(sourceDir);
      const root = await tempDir();
      const state = await tempDir();
      await touch(root, A1111_MARKERS);
      const small = await writeModelFixture(lora, "safetensors", sourceDir, "first.safetensors");
      const big = await writeModelFixture(checkpoint, "safetensors", sourceDir, "big.safetensors");
      const bigBefore = identityOf(await lstat(big));
      const destDir = join(root, "models/Stable-diffusion");

      const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD_SCRIPT], {
        env: {
          ...process.env,
          MAIN_URL: pathToFileURL(join(checkout(), "dist/src/cli/main.js")).href,
          SDMODELS_STATE_DIR: state,
          ARGS: JSON.stringify(["install", small, big, "--webui", root]),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, sig) => resolve({ code, signal: sig })),
      );
      let finished = false;
      void exited.then(() => (finished = true));

      let signalled = false;
      while (!finished && !signalled) {
        const temp = (await readdir(destDir).catch(() => [] as string[])).find(isTempName);
        if (temp && ((await stat(join(destDir, temp)).catch(() => null))?.size ?? 0) > 0) {
          child.kill(signal);
          signalled = true;
        } else await new Promise((r) => setTimeout(r, 2));
      }
      const result = await exited;
      if (!signalled)
        throw new Error(
          `the child finished (code ${result.code}) before it could be interrupted mid-copy; stderr: ${stderr}`,
        );

      expect(result).toEqual({ code: exitCode, signal: null });
      expect(stderr).toContain(`interrupted by ${signal}`);
      // No partial copy, nothing under the final name, the source whole.
      expect(await readdir(destDir)).toEqual(["Put Stable Diffusion checkpoints here.txt"]);
      expect(identityOf(await lstat(big))).toEqual(bigBefore);
      // The file before it was installed and is journaled; the batch says it was interrupted.
      expect(await filesUnder(join(root, "models/Lora"))).toEqual(["first.safetensors"]);
      const journalDir = join(root, ".sdmodels/journal");
      const [name] = await readdir(journalDir);
      const journal = JSON.parse(await readFile(join(journalDir, name!), "utf8")) as JournalData;
      expect(journal.state).toBe("interrupted");
      expect(journal.entries.map((e) => e.status)).toEqual(["done", "interrupted"]);

      const target = await resolveWebui({ webui: root, env: {}, cwd: "/" });
      const undone = await undoBatch(target);
      expect(undone.restored).toEqual([{ from: join(root, "models/Lora/first.safetensors"), to: small }]);
      expect((await readdir(sourceDir)).sort()).toEqual(["big.safetensors", "first.safetensors"]);
      expect(await filesUnder(join(root, "models/Lora"))).toEqual([]);
    }, 180_000);
  }
});
