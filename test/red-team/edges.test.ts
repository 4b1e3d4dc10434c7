import { link, mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MoveEntry } from "../../src/install/types.js";
import { useTempDirs } from "../helpers.js";
import { a1111WithDownloads, classification as k, modelFile, plan } from "../install/fake-webui.js";

const tempDir = useTempDirs("sdmodels-redteam-edges-");

const carried = (entry: MoveEntry) => entry.sidecars.map((s) => basename(s.source)).sort();

describe("red team: trust at the edges", () => {
  // Attack: a hard link to ~/.ssh/id_rsa named `<lora>.txt` is a regular UTF-8 file, so it is carried into the WebUI, which shows descriptions in the browser.
  it("does not carry a hard-linked secret disguised as a description sidecar", async () => {
    const { root, downloads, target } = await a1111WithDownloads(tempDir);
    const home = join(root, "..", "home-ssh");
    await mkdir(home, { recursive: true });
    const secret = join(home, "id_rsa");
    await writeFile(secret, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
    const lora = await modelFile(join(downloads, "m.safetensors"), k("lora"));
    await link(secret, join(downloads, "m.txt"));
    // The same trick with a JSON secret (a cloud credentials file) under a metadata name.
    const creds = join(home, "credentials.json");
    await writeFile(creds, JSON.stringify({ type: "service_account", private_key: "-----BEGIN PRIVATE KEY-----" }));
    await link(creds, join(downloads, "m.cm-info.json"));
    const entry = (await plan([lora], target)).entries[0] as MoveEntry;
    expect(entry.action).toBe("move");
    expect(carried(entry)).toEqual([]);
  });
});
