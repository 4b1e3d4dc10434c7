import { extname } from "node:path";
import type { FileFormat } from "../../inspect/types.js";
import { PICKLE_EXTENSIONS, SAFETENSORS_EXTENSIONS } from "../../install/layouts.js";

/**
 * A file whose extension names the other container. Loaders pick their reader by extension (A1111, ComfyUI's
 * `load_torch_file`), so either way the file fails to load; and a pickle named `.safetensors` borrows the trust that
 * extension carries (no code), which is why `install` refuses it. The content is judged on its own in the safety
 * verdict; this is about the name.
 */
export interface NameMismatch {
  code: "pickle-named-safetensors" | "safetensors-named-pickle";
  extension: string;
}

export function nameMismatch(path: string, format: FileFormat): NameMismatch | null {
  const extension = extname(path).toLowerCase();
  const pickled = format === "torch-zip" || format === "torch-legacy" || format === "pickle";
  if (pickled && SAFETENSORS_EXTENSIONS.includes(extension)) return { code: "pickle-named-safetensors", extension };
  if (format === "safetensors" && PICKLE_EXTENSIONS.includes(extension))
    return { code: "safetensors-named-pickle", extension };
  return null;
}

export function describeNameMismatch(m: NameMismatch): string {
  return m.code === "pickle-named-safetensors"
    ? `the name is wrong: pickle content named ${m.extension} ` +
        `(loaders read it as safetensors and fail; install refuses a disguised pickle)`
    : `the name is wrong: safetensors content named ${m.extension} ` +
        `(A1111 would torch.load it and fail; install renames it .safetensors)`;
}
