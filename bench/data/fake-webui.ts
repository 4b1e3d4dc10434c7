import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** An A1111 checkout as far as detection cares: its launcher script (one of A1111's marker sets). */
export async function writeFakeA1111(root: string): Promise<string> {
  await mkdir(root, { recursive: true });
  await writeFile(join(root, "webui-user.sh"), "#!/bin/bash\n");
  return root;
}
