import { execFileSync, spawn } from "node:child_process";
import { symlink } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureById } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";
import { childOutput } from "../child-output.js";
import { useTempDirs } from "../helpers.js";
import { webuiAndDownloads } from "../install/fake-webui.js";
import { useBuiltCheckout } from "../setup/built-checkout.js";
import { useBuiltCli } from "./run-cli.js";

const cli = useBuiltCli();
const checkout = useBuiltCheckout();
const tempDir = useTempDirs("sdmodels-special-");

/**
 * Opening a FIFO for reading blocks until a writer appears, which here is never: a run that opens one hangs. Each
 * child is killed after this long, so such a run fails the test (exit code null) instead of hanging the suite.
 */
const KILL_AFTER_MS = 20_000;

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A listening Unix socket at `path`. */
async function socketAt(path: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
}

const lora = () => fixtureById("sd1-lora-kohya");

describe("special files are never opened", () => {
  it("inspect reports a FIFO, a link to a FIFO and a socket named like models, each by name, and exits 2", async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "pipe.safetensors"));
    await symlink(join(dir, "pipe.safetensors"), join(dir, "link-to-pipe.ckpt"));
    await socketAt(join(dir, "socket.pt"));
    await writeModelFixture(lora(), "safetensors", dir, "real.safetensors");

    const run = await cli(["inspect", dir, "--json"], { killAfterMs: KILL_AFTER_MS });
    expect(run.code).toBe(2);
    const reports: { path: string; error: { code: string; message: string } | null; kind: string }[] = JSON.parse(
      run.stdout,
    );
    const byName = Object.fromEntries(reports.map((r) => [r.path.slice(dir.length + 1), r]));
    expect(Object.keys(byName).sort()).toEqual([
      "link-to-pipe.ckpt",
      "pipe.safetensors",
      "real.safetensors",
      "socket.pt",
    ]);
    expect(byName["pipe.safetensors"]!.error).toEqual({
      code: "not-a-regular-file",
      message: `${join(dir, "pipe.safetensors")}: not a regular file but a FIFO (named pipe)`,
      io: true,
    });
    expect(byName["link-to-pipe.ckpt"]!.error).toEqual({
      code: "not-a-regular-file",
      message: `${join(dir, "link-to-pipe.ckpt")}: not a regular file but a FIFO (named pipe)`,
      io: true,
    });
    expect(byName["socket.pt"]!.error).toEqual({
      code: "not-a-regular-file",
      message: `${join(dir, "socket.pt")}: not a regular file but a socket`,
      io: true,
    });
    expect(byName["real.safetensors"]).toMatchObject({ error: null, kind: "lora" });
  });

  it("inspect of one FIFO says so in the human report", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "model.safetensors");
    mkfifo(fifo);
    const run = await cli(["inspect", fifo], { killAfterMs: KILL_AFTER_MS });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${fifo}: not a regular file but a FIFO (named pipe)`);
  });

  it("sort --dry-run leaves a FIFO where it is, names it, and plans the rest", async () => {
    const { webui, downloads, env } = await webuiAndDownloads(tempDir);
    await writeModelFixture(lora(), "safetensors", downloads, "style.safetensors");
    mkfifo(join(downloads, "stuck.safetensors"));
    const run = await cli(["sort", downloads, "--webui", webui, "--dry-run", "--json"], {
      env,
      killAfterMs: KILL_AFTER_MS,
    });
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    const byName = Object.fromEntries(
      report.plan.map((e: { source: string }) => [e.source.slice(downloads.length + 1), e]),
    );
    expect(byName["stuck.safetensors"]).toMatchObject({ action: "skip", reason: { code: "unreadable" } });
    expect(byName["style.safetensors"]).toMatchObject({
      action: "move",
      destination: join(webui, "models/Lora/style.safetensors"),
    });

    const human = await cli(["sort", downloads, "--webui", webui, "--dry-run"], {
      env,
      killAfterMs: KILL_AFTER_MS,
    });
    expect(human.stdout).toMatch(/^ {4}stuck\.safetensors {2,}not a regular file but a FIFO \(named pipe\)$/m);
  });

  it("hashing a FIFO fails at once with the file named, instead of waiting for a writer", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "model.safetensors");
    mkfifo(fifo);
    // The library call, in a child: `sdmodels hash` checks its arguments first, but the sort and Civitai paths hash
    // whatever file they were handed.
    const script = `
      const { hashFile } = await import(process.env.HASH_URL);
      try { await hashFile(process.env.TARGET); process.stdout.write("hashed"); }
      catch (error) { process.stdout.write(JSON.stringify({ code: error.code, message: error.message })); }
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        ...process.env,
        HASH_URL: pathToFileURL(join(checkout(), "dist/src/hash/hash-file.js")).href,
        TARGET: fifo,
      },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: KILL_AFTER_MS,
      killSignal: "SIGKILL",
    });
    const run = await childOutput(child);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      code: "not-a-regular-file",
      message: `${fifo}: not a regular file but a FIFO (named pipe)`,
    });
  });
});
