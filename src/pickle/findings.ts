import type { Finding } from "../inspect/types.js";
import { type Verdict, worstVerdict } from "../model/verdict.js";
import { MAX_FINDINGS } from "./limits.js";

/**
 * Collects findings for one stream: identical (severity, code, message) findings are merged with a count, so a
 * hostile stream repeating one violation a million times yields one finding, and at most MAX_FINDINGS are kept.
 * The worst severity of whatever was dropped survives in a summary finding: the cap never lowers a verdict.
 */
export class FindingCollector {
  private readonly byKey = new Map<string, { finding: Finding; count: number }>();
  private dropped = 0;
  private droppedWorst: Verdict = "safe";

  constructor(private readonly label: string) {}

  add(severity: Verdict, code: string, message: string, offset?: number, global?: string): void {
    const key = `${severity}\0${code}\0${message}`;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    if (this.byKey.size >= MAX_FINDINGS) {
      this.dropped++;
      this.droppedWorst = worstVerdict([this.droppedWorst, severity]);
      return;
    }
    const at = offset === undefined ? "" : ` (offset ${offset})`;
    const finding: Finding = { severity, code, message: `${this.label}: ${message}${at}` };
    this.byKey.set(key, { finding: global === undefined ? finding : { ...finding, global }, count: 1 });
  }

  has(severity: Verdict): boolean {
    for (const { finding } of this.byKey.values()) if (finding.severity === severity) return true;
    return this.droppedWorst === severity;
  }

  list(): Finding[] {
    const out = [...this.byKey.values()].map(({ finding, count }) =>
      count > 1 ? { ...finding, message: `${finding.message}, ${count} times` } : finding,
    );
    if (this.dropped > 0) {
      out.push({
        severity: this.droppedWorst,
        code: "too-many-findings",
        message: `${this.label}: ${this.dropped} further findings not listed`,
      });
    }
    return out;
  }
}
