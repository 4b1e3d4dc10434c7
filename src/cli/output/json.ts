/**
 * Writes `value` as the one JSON document of a run: `sdmodels … --json | jq -e .` always parses. Callers gather
 * every result first and call this once.
 */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
