/**
 * The names of one folder listing, found by prefix without scanning the listing. The planner asks, for every
 * candidate, which names start with `<stem>.` (its sidecars, and the files a WebUI pairs with it by stem); scanning
 * the listing for each answer made sorting a folder of n downloads take n² name comparisons (a 10,000-file folder
 * spent ~160 s there). The names are kept sorted once, so every prefix is one contiguous run found by binary search.
 */
export class NamesByPrefix {
  /** Positions in {@link names}, ordered by the names they point at. */
  private readonly sorted: number[];

  constructor(private readonly names: readonly string[]) {
    this.sorted = names.map((_, i) => i).sort((a, b) => compare(names[a] as string, names[b] as string));
  }

  /** Names that start with `prefix`, in listing order (the order callers that take the first match rely on). */
  startingWith(prefix: string): string[] {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.nameAt(middle) as string) < prefix) low = middle + 1;
      else high = middle;
    }
    const found: number[] = [];
    for (let i = low; i < this.sorted.length && (this.nameAt(i) as string).startsWith(prefix); i++) {
      found.push(this.sorted[i] as number);
    }
    return found.sort((a, b) => a - b).map((position) => this.names[position] as string);
  }

  private nameAt(rank: number): string | undefined {
    return this.names[this.sorted[rank] as number];
  }
}

/** UTF-16 code-unit order, the order in which every name with a given prefix sits in one run. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Each listed folder of `folders` indexed the first time it is asked for; a folder not listed holds no names. */
export function namesByFolder(
  folders: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>,
): (dir: string) => NamesByPrefix {
  const indexed = new Map<string, NamesByPrefix>();
  return (dir) => {
    let names = indexed.get(dir);
    if (names === undefined) {
      names = new NamesByPrefix(Object.keys(folders[dir] ?? {}));
      indexed.set(dir, names);
    }
    return names;
  };
}
