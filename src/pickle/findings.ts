import type { Finding } from "../inspect/types.js";
import { type Verdict, worstVerdict } from "../model/verdict.js";
import { MAX_FINDINGS } from "./limits.js";

/** `label: sentence (offset N), K times`: the one place a finding's position and repeat count become words. */
function findingMessage(summary: string, offset: number | undefined, times: number | undefined): string {
  return `${summary}${offset === undefined ? "" : ` (offset ${offset})`}${times === undefined ? "" : `, ${times} times`}`;
}

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
    const summary = `${this.label}: ${message}`;
    const finding: Finding =
      offset === undefined
        ? { severity, code, message: summary }
        : { severity, code, message: summary, summary, offset };
    this.byKey.set(key, { finding: global === undefined ? finding : { ...finding, global }, count: 1 });
  }

  has(severity: Verdict): boolean {
    for (const { finding } of this.byKey.values()) if (finding.severity === severity) return true;
    return this.droppedWorst === severity;
  }

  list(): Finding[] {
    const out = [...this.byKey.values()].map(({ finding, count }) => {
      if (finding.offset === undefined && count === 1) return finding;
      const summary = finding.summary ?? finding.message;
      const times = count > 1 ? { times: count } : {};
      return { ...finding, ...times, summary, message: findingMessage(summary, finding.offset, times.times) };
    });
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
