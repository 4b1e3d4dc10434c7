/**
 * The safety verdict every stage speaks: readers and the pickle scanner give one per finding, inspect folds them
 * into one per file, install refuses by it, the reports colour it. "safe" only by positive proof; see README
 * "Safety verdicts".
 */
export type Verdict = "safe" | "suspicious" | "dangerous";

const RANK: Readonly<Record<Verdict, number>> = { safe: 0, suspicious: 1, dangerous: 2 };

/** How bad a verdict is, for sorting worst first: safe < suspicious < dangerous. */
export function verdictRank(verdict: Verdict): number {
  return RANK[verdict];
}

/** The worst of `verdicts`; "safe" when there are none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "safe";
  for (const v of verdicts) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}
