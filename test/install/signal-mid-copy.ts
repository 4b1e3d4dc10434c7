import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isTempName } from "../../src/install/temp-files.js";
import { treeListing } from "./fake-webui.js";

/** A Node child to start: the body of an ES module, and the variables it reads from its environment. */
export interface NodeChild {
  script: string;
  env: Record<string, string>;
}

/** How a signalled child ended, what it wrote to stderr, and its pid (a journal records the pid of its run). */
export interface SignalledExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  pid: number | undefined;
}

/** The real CLI, run the way bin/sdmodels.js runs it. */
const CLI_SCRIPT = `
const { main } = await import(process.env.MAIN_URL);
process.exitCode = await main(["node", "sdmodels", ...JSON.parse(process.env.ARGS)]);
`;

/** How long to wait between two looks at the destination: a copy of gigabytes lasts far longer. */
const POLL_MS = 2;

/**
 * `sdmodels …args` as a child, from the compiled `checkout` (Node 20 cannot import the TypeScript sources), with
 * `env` added to the test process's environment.
 */
export function cliChild(checkout: string, args: readonly string[], env: Record<string, string> = {}): NodeChild {
  return {
    script: CLI_SCRIPT,
    env: { ...env, MAIN_URL: pathToFileURL(join(checkout, "dist/src/cli/main.js")).href, ARGS: JSON.stringify(args) },
  };
}

/**
 * Starts `child`, sends it `signal` once `ready()` holds (asked again every few milliseconds), and resolves when it
 * has exited. Throws, with the child's stderr, when the child exits before `ready()` held: it was then never
 * stopped mid-way, and the test would prove nothing.
 */
export async function signalWhen(
  child: NodeChild,
  signal: NodeJS.Signals,
  ready: () => Promise<boolean>,
): Promise<SignalledExit> {
  const running = spawn(process.execPath, ["--input-type=module", "-e", child.script], {
    env: { ...process.env, ...child.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  running.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  running.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    running.on("exit", (code, sig) => resolve({ code, signal: sig })),
  );
  let finished = false;
  void exited.then(() => (finished = true));
  let signalled = false;
  while (!finished && !signalled) {
    if (await ready()) {
      running.kill(signal);
      signalled = true;
    } else await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const result = await exited;
  if (!signalled) throw new Error(`the child finished (code ${result.code}) before it was signalled: ${stderr}`);
  return { ...result, stderr, pid: running.pid };
}

/**
 * Whether a copy into `dir` is under way: a temp entry there (a file, or a folder being filled) holds at least one
 * byte. False while `dir` does not exist yet.
 */
export async function copyUnderway(dir: string): Promise<boolean> {
  const temp = (await readdir(dir).catch(() => [] as string[])).find(isTempName);
  if (temp === undefined) return false;
  const path = join(dir, temp);
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory())
    return (await treeListing(path).catch(() => [] as string[])).some((l) => /size=[1-9]/.test(l));
  return (info?.size ?? 0) > 0;
}
