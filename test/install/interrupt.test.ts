import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import type { JournalData } from "../../src/install/journal.js";
import { resolveWebui } from "../../src/install/resolve-webui.js";
import { undoBatch } from "../../src/install/undo-batch.js";
import { identityOf } from "../../src/model/file-identity.js";
import { useOtherDeviceDirs, useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { A1111_MARKERS, filesUnder, touch } from "./fake-webui.js";
import { cliChild, copyUnderway, signalWhen } from "./signal-mid-copy.js";

const tempDir = useTempDirs("sdmodels-interrupt-");
const otherDeviceDir = useOtherDeviceDirs("sdmodels-sigint-");

/** The compiled CLI the child runs: Node 20 cannot import the TypeScript sources. */
const checkout = useBuiltCheckout();

const lora = fixtureById("sd1-lora-kohya");
/** A full SD1 checkpoint, sparse: gigabytes to copy across filesystems, time enough to be interrupted mid-copy. */
const checkpoint = fixtureById("sd1-checkpoint-ldm-safetensors");

describe("SIGINT and SIGTERM during install", () => {
  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} mid-copy: no partial copy, batch interrupted, exit ${exitCode}, undo reverts it`, async (ctx) => {
      const sourceDir = await otherDeviceDir(ctx);
      const root = await tempDir();
      const state = await tempDir();
      await touch(root, A1111_MARKERS);
      const small = await writeModelFixture(lora, "safetensors", sourceDir, "first.safetensors");
      const big = await writeModelFixture(checkpoint, "safetensors", sourceDir, "big.safetensors");
      const bigBefore = identityOf(await lstat(big));
      const destDir = join(root, "models/Stable-diffusion");

      const child = cliChild(checkout(), ["install", small, big, "--webui", root], { SDMODELS_STATE_DIR: state });
      const run = await signalWhen(child, signal, () => copyUnderway(destDir));

      expect(run).toMatchObject({ code: exitCode, signal: null });
      expect(run.stderr).toContain(`interrupted by ${signal}`);
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
