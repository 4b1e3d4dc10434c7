/**
 * The normalised tensor names of one file, indexed once so that every rule is an O(1) or O(log n) lookup: a Map for
 * exact keys and shapes, and a sorted array for prefix ranges (binary search instead of scanning the list per rule).
 */
export class KeyIndex {
  readonly size: number;
  private readonly sorted: readonly string[];
  private readonly shapes: ReadonlyMap<string, readonly number[]>;

  constructor(shapes: ReadonlyMap<string, readonly number[]>) {
    this.shapes = shapes;
    // Default sort compares UTF-16 code units, the same order `<` uses in lowerBound.
    this.sorted = [...shapes.keys()].sort();
    this.size = this.sorted.length;
  }

  has(key: string): boolean {
    return this.shapes.has(key);
  }

  shape(key: string): readonly number[] | undefined {
    return this.shapes.get(key);
  }

  /** `shape[dim]` of `key`, or undefined when the key or that dimension is missing. */
  dim(key: string, dim: number): number | undefined {
    return this.shapes.get(key)?.[dim];
  }

  hasPrefix(prefix: string): boolean {
    return this.countPrefix(prefix) > 0;
  }

  countPrefix(prefix: string): number {
    const [from, to] = this.range(prefix);
    return to - from;
  }

  /** Keys starting with `prefix`, in sorted order. */
  withPrefix(prefix: string): readonly string[] {
    const [from, to] = this.range(prefix);
    return this.sorted.slice(from, to);
  }

  /** `[key, shape]` pairs in insertion order: one pass without a lookup per key. */
  entries(): IterableIterator<[string, readonly number[]]> {
    return this.shapes.entries();
  }

  keys(): readonly string[] {
    return this.sorted;
  }

  private range(prefix: string): [number, number] {
    if (prefix === "") return [0, this.size];
    // Every key that starts with `prefix` sorts at or after it and before `prefix + U+FFFF`.
    return [this.lowerBound(prefix), this.lowerBound(`${prefix}\uffff`)];
  }

  private lowerBound(target: string): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as string) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
