import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLES } from "../../fixtures/make-samples.js";
import { useTempDirs } from "../helpers.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { runNode } from "./run-node.js";

const checkout = useBuiltCheckout();
const tempDir = useTempDirs("sdmodels-pack-");

/** npm with the checkout copy as its project; scripts are off so `prepare` does not rebuild what is already built. */
function npm(args: readonly string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("npm", [...args, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** npm error codes that mean "the dependencies could not be fetched", not "the package is broken". */
const UNREACHABLE =
  /\b(ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network)\b/;

describe("the published package", () => {
  it("holds the bin, the compiled CLI, the samples and the README, and no tests, fixtures or benchmarks", () => {
    const run = npm(["pack", "--dry-run", "--json"], checkout());
    expect(run.status, run.stderr).toBe(0);
    const [pack] = JSON.parse(run.stdout) as { files: { path: string }[] }[];
    const files = pack!.files.map((f) => f.path);

    for (const required of [
      "package.json",
      "README.md",
      "bin/sdmodels.js",
      "dist/src/cli/main.js",
      "dist/src/inspect/inspect-file.js",
    ]) {
      expect(files).toContain(required);
    }
    for (const sample of SAMPLES) expect(files).toContain(`fixtures/samples/${sample.fileName}`);
    expect(files).toContain("fixtures/samples/README.md");

    const unwanted = files.filter((f) =>
      /^(test|bench|src)\/|^dist\/(test|bench|fixtures)\/|^fixtures\/(?!samples\/)/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it("installs from its tarball, runs --version and inspect on the bundled samples (none hostile)", async (context) => {
    const work = await tempDir();
    const packed = npm(["pack", "--json", "--pack-destination", work], checkout());
    expect(packed.status, packed.stderr).toBe(0);
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];

    const prefix = join(work, "install");
    // The dependencies come from the npm cache `npm ci` filled; the registry is only asked for what is missing.
    const installed = npm(["install", "--prefix", prefix, "--prefer-offline", join(work, filename)], work);
    if (installed.status !== 0 && UNREACHABLE.test(installed.stderr)) {
      context.skip(
        `npm could not fetch the dependencies (neither cache nor registry): ${installed.stderr.trim().split("\n")[0]}`,
      );
    }
    expect(installed.status, installed.stderr).toBe(0);

    const bin = join(prefix, "node_modules/.bin/sdmodels");
    const { version } = JSON.parse(await readFile(join(checkout(), "package.json"), "utf8")) as { version: string };
    const versionRun = await runNode(bin, ["--version"], { cwd: work });
    expect(versionRun).toMatchObject({ code: 0, stdout: `${version}\n` });

    const sample = join(prefix, "node_modules/sdmodels/fixtures/samples/EasyNegative.safetensors");
    const inspectRun = await runNode(bin, ["inspect", "--json", sample], { cwd: work });
    expect(inspectRun.code, inspectRun.stderr).toBe(0);
    const [report] = JSON.parse(inspectRun.stdout) as { kind: string; base: string; safety: { verdict: string } }[];
    expect(report).toMatchObject({ kind: "embedding", base: "sd1", safety: { verdict: "safe" } });

    // No hostile sample ships: inspecting every bundled sample finds nothing dangerous (exit 3 would say otherwise).
    const allRun = await runNode(bin, ["inspect", "--json", join(prefix, "node_modules/sdmodels/fixtures/samples")], {
      cwd: work,
    });
    const all = JSON.parse(allRun.stdout) as { safety: { verdict: string } }[];
    expect(all.length).toBe(SAMPLES.length);
    expect(all.filter((r) => r.safety.verdict === "dangerous")).toEqual([]);
    expect(allRun.code).not.toBe(3);
  }, 180_000);
});
