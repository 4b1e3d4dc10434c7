import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { useBuiltCheckout } from "../setup/built-checkout.js";

/** The compiled module the child runs: Node 20 cannot import the TypeScript sources. */
const checkout = useBuiltCheckout();

/** Work that reports each step on stdout and only ends when aborted (then takes its time to clean up). */
const CHILD_SCRIPT = `
const { withInterruptSignals } = await import(process.env.MODULE_URL);
// Signal listeners keep nothing alive; a real command is busy copying.
const busy = setInterval(() => undefined, 1000);
const result = await withInterruptSignals(
  (signal) =>
    new Promise((resolve) => {
      signal.addEventListener("abort", () => {
        process.stdout.write("aborted " + signal.reason.signal + "\\n");
        if (process.env.SLOW_CLEANUP) setInterval(() => undefined, 1000);
        else resolve("cleaned up");
      });
      process.stdout.write("ready\\n");
    }),
);
process.stdout.write(result + "\\n");
clearInterval(busy);
`;

function start(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD_SCRIPT], {
    env: {
      ...process.env,
      MODULE_URL: pathToFileURL(join(checkout(), "dist/src/cli/interrupt-signals.js")).href,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (text: string) =>
    new Promise<void>((resolve) => (stdout.includes(text) ? resolve() : waiters.push({ text, resolve })));
  return { child, exited, waitFor, stdout: () => stdout };
}

describe("withInterruptSignals", () => {
  it("turns the first SIGINT or SIGTERM into an abort the work can clean up after", async () => {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      const run = start();
      await run.waitFor("ready");
      run.child.kill(name);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toBe(`ready\naborted ${name}\ncleaned up\n`);
    }
  }, 60_000);

  it("dies at once on a second signal while the work is still cleaning up", async () => {
    const run = start({ SLOW_CLEANUP: "1" });
    await run.waitFor("ready");
    run.child.kill("SIGINT");
    await run.waitFor("aborted");
    run.child.kill("SIGINT");
    expect(await run.exited).toEqual({ code: null, signal: "SIGINT" });
  }, 60_000);
});
