import type { ContainerResult, FileFormat, Finding, InspectError, TensorInfo } from "../inspect/types.js";

/**
 * The result of a container whose header is a tensor table and holds no code (safetensors, GGUF): tensors, metadata
 * and the reader's findings; nothing to import, no pickle values.
 */
export function tensorHeaderResult(
  format: FileFormat,
  read: {
    tensors: TensorInfo[];
    metadata: Record<string, string> | null;
    findings: Finding[];
    error: InspectError | null;
  },
): ContainerResult {
  return { format, ...read, values: {}, imports: [] };
}

/** Such a header that could not be read far enough to list its tensors: the error is also a `suspicious` finding. */
export function unreadableHeaderResult(format: FileFormat, error: InspectError): ContainerResult {
  return tensorHeaderResult(format, {
    tensors: [],
    metadata: null,
    findings: [{ severity: "suspicious", code: error.code, message: error.message }],
    error,
  });
}
