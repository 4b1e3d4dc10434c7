import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { useBuiltCli } from "./run-cli.js";

const cli = useBuiltCli();

describe("sdmodels program", () => {
  it("prints the package version", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const run = await cli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it("shows examples, the global options and the exit-code table in --help", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: sdmodels");
    for (const option of ["--json", "--debug", "--no-color"]) expect(run.stdout).toContain(option);
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout).toContain("inspect");
    expect(run.stdout).toMatch(/3 dangerous file/);
  });

  it("answers `help inspect` like `inspect --help`", async () => {
    const [viaHelp, viaFlag] = await Promise.all([cli(["help", "inspect"]), cli(["inspect", "--help"])]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it("treats an unknown command as a usage error with a suggestion", async () => {
    const run = await cli(["inpsect", "x"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^sdmodels: unknown command 'inpsect'/);
    expect(run.stderr).toContain("inspect");
  });

  it("shows help on stderr and exits 1 when no command is given", async () => {
    const run = await cli([]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Usage: sdmodels");
  });
});
