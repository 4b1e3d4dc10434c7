/**
 * Objects and arrays reachable from `roots`, each counted once however many references lead to it. What a run keeps
 * per file is counted this way instead of by heap size: the count does not move with the garbage collector's
 * timing, and an object kept per file (an empty list, an equal warning) shows as one more per file.
 */
export function distinctObjects(...roots: unknown[]): number {
  const seen = new Set<object>();
  const pending: unknown[] = [...roots];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    pending.push(...Object.values(value));
  }
  return seen.size;
}
