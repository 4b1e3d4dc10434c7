import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/app/format-bytes.js";
import { formatByteProgress } from "../../src/app/progress.js";
import { formatErrorLine, UsageError } from "../../src/cli/errors.js";
import { EXIT_FILE_ERROR, EXIT_INTEGRITY, EXIT_NOT_FOUND, EXIT_USAGE, exitCodeFor } from "../../src/cli/exit-codes.js";
import { colorEnabled, createPalette } from "../../src/cli/output/color.js";
import { displayWidth, outputWidth, renderTable, truncateMiddle } from "../../src/cli/output/table.js";
import { terminalSafe } from "../../src/cli/output/terminal-text.js";
import { progressEnabled } from "../../src/cli/progress.js";
import { IntegrityError } from "../../src/download/errors.js";
import { InstallError } from "../../src/install/errors.js";

describe("truncateMiddle", () => {
  it("keeps both ends, more of the end, at exactly the width", () => {
    const path = "models/Stable-diffusion/some-very-long-checkpoint-name-v1.5-inpainting.safetensors";
    expect(truncateMiddle(path, 30)).toBe("models/Stab…inting.safetensors");
  });

  it("leaves short text alone and counts terminal columns: wide characters take two", () => {
    expect(truncateMiddle("short", 10)).toBe("short");
    expect(truncateMiddle("🙂🙂🙂🙂🙂🙂", 5)).toBe("🙂…🙂");
    expect(truncateMiddle("東方風景モデル_v2.safetensors", 16)).toBe("東方風…fetensors");
    expect(displayWidth(truncateMiddle("東方風景モデル_v2.safetensors", 16))).toBeLessThanOrEqual(16);
  });
});

describe("renderTable", () => {
  const columns = [
    { header: "PATH", value: (r: { path: string; verdict: string }) => r.path, shrink: "middle" as const },
    { header: "VERDICT", value: (r: { path: string; verdict: string }) => r.verdict, shrink: "none" as const },
  ];
  const rows = [
    { path: "a/very/long/path/to/a/model/file/that/does/not/fit.safetensors", verdict: "suspicious" },
    { path: "b.ckpt", verdict: "safe" },
  ];

  it("aligns columns and never truncates without a width", () => {
    expect(renderTable(columns, rows, { width: null })).toBe(
      [
        "PATH                                                            VERDICT",
        "a/very/long/path/to/a/model/file/that/does/not/fit.safetensors  suspicious",
        "b.ckpt                                                          safe",
        "",
      ].join("\n"),
    );
  });

  it("shrinks the shrinkable column to fit the width", () => {
    const lines = renderTable(columns, rows, { width: 40 }).trimEnd().split("\n");
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
    expect(lines[1]).toBe("a/very/lon…t/fit.safetensors  suspicious");
  });

  it("escapes control characters from file contents", () => {
    const out = renderTable(columns, [{ path: "evil\u001b[2Jname", verdict: "safe" }], { width: null });
    expect(out).not.toContain("\u001b");
    expect(out).toContain("evil\\x1b[2Jname");
  });
});

describe("renderTable with East Asian file names", () => {
  const columns = [
    { header: "NAME", value: (r: { name: string; kind: string }) => r.name, shrink: "middle" as const },
    { header: "KIND", value: (r: { name: string; kind: string }) => r.kind, shrink: "none" as const },
  ];
  const rows = [
    { name: "a.safetensors", kind: "lora" },
    { name: "東方風景モデル.safetensors", kind: "checkpoint" },
    { name: "한국어_로라.safetensors", kind: "lora" },
  ];
  const kindColumn = (line: string) => displayWidth(line.slice(0, line.search(/(?:lora|checkpoint|KIND)$/)));

  it("starts every column at the same terminal column, whatever the width of the characters before it", () => {
    const lines = renderTable(columns, rows, { width: null }).trimEnd().split("\n");
    expect(new Set(lines.map(kindColumn)).size).toBe(1);
  });

  it("shrinks a wide name to the width, not past it", () => {
    const lines = renderTable(columns, rows, { width: 30 }).trimEnd().split("\n");
    expect(new Set(lines.map(kindColumn)).size).toBe(1);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
  });
});

describe("terminal helpers", () => {
  it("escapes C0, C1 and DEL but keeps printable Unicode", () => {
    expect(terminalSafe("a\tb\nc\u009bd\u007fé")).toBe("a\\tb\\nc\\x9bd\\x7fé");
  });

  it("colours only a TTY, without NO_COLOR and without --no-color", () => {
    const tty = { isTTY: true };
    expect(colorEnabled(tty, {}, true)).toBe(true);
    expect(colorEnabled({ isTTY: false }, {}, true)).toBe(false);
    expect(colorEnabled({}, {}, true)).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: "1" }, true)).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: "" }, true)).toBe(true); // no-color.org: only a non-empty value counts
    expect(colorEnabled(tty, {}, false)).toBe(false);
    expect(colorEnabled(tty, { TERM: "dumb" }, true)).toBe(false);
    // FORCE_COLOR, as Node and chalk read it: colour through a pipe unless 0/false; --no-color still wins.
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" }, true)).toBe(true);
    expect(colorEnabled({}, { FORCE_COLOR: "" }, true)).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: "0" }, true)).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: "false" }, true)).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "3", NO_COLOR: "1" }, true)).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: "1" }, false)).toBe(false);
    expect(createPalette(false).red("x")).toBe("x");
    expect(createPalette(true).red("x")).toBe("\u001b[31mx\u001b[39m");
  });

  it("fits the terminal when stdout is one, else COLUMNS, else never truncates", () => {
    expect(outputWidth({ isTTY: true, columns: 120 }, { COLUMNS: "80" })).toBe(120);
    expect(outputWidth({ isTTY: false }, { COLUMNS: "80" })).toBe(80);
    expect(outputWidth({ isTTY: false }, { COLUMNS: "wide" })).toBeNull();
    expect(outputWidth({}, {})).toBeNull();
  });

  it("shows progress only on a TTY and never with --json", () => {
    expect(progressEnabled({ isTTY: true, columns: 80 }, false)).toBe(true);
    expect(progressEnabled({ isTTY: true, columns: 80 }, true)).toBe(false);
    expect(progressEnabled({ isTTY: false, columns: 80 }, false)).toBe(false);
    expect(progressEnabled({ isTTY: true, columns: 0 }, false)).toBe(false);
    expect(progressEnabled({ isTTY: true }, false)).toBe(false);
  });
});

describe("formatBytes and formatByteProgress", () => {
  it("uses decimal units with three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1.00 kB");
    expect(formatBytes(999_999)).toBe("1.00 MB");
    expect(formatBytes(2_132_625_894)).toBe("2.13 GB");
    expect(formatBytes(6_938_040_682)).toBe("6.94 GB");
    expect(formatBytes(144_000_000)).toBe("144 MB");
    expect(formatBytes(-1)).toBe("?");
  });

  it("prints percent, done of total, rate and ETA", () => {
    expect(formatByteProgress({ done: 1_000_000_000, total: 2_000_000_000, elapsedMs: 20_000 })).toBe(
      "50% · 1.00 GB of 2.00 GB · 50.0 MB/s · ETA 0:20",
    );
    expect(formatByteProgress({ done: 100_000_000, total: 7_300_000_000, elapsedMs: 1_000 })).toBe(
      "1% · 100 MB of 7.30 GB · 100 MB/s · ETA 1:12",
    );
    expect(formatByteProgress({ done: 10_000_000, total: 36_010_000_000, elapsedMs: 1_000 })).toBe(
      "0% · 10.0 MB of 36.0 GB · 10.0 MB/s · ETA 1:00:00",
    );
  });

  it("omits what it cannot know: the total, or a rate before half a second has passed", () => {
    expect(formatByteProgress({ done: 5_000_000, total: null, elapsedMs: 2_000 })).toBe("5.00 MB · 2.50 MB/s");
    expect(formatByteProgress({ done: 5_000_000, total: 10_000_000, elapsedMs: 100 })).toBe("50% · 5.00 MB of 10.0 MB");
    expect(formatByteProgress({ done: 10_000_000, total: 10_000_000, elapsedMs: 1_000 })).toBe(
      "100% · 10.0 MB of 10.0 MB · 10.0 MB/s",
    );
  });
});

describe("errors and exit codes", () => {
  it("maps typed errors through their code and everything else to a generic failure", () => {
    expect(exitCodeFor(new UsageError("bad"))).toBe(EXIT_USAGE);
    expect(exitCodeFor(new IntegrityError("hash-mismatch", "hash mismatch"))).toBe(EXIT_INTEGRITY);
    expect(exitCodeFor(new InstallError("journal-not-found", "no batch"))).toBe(EXIT_NOT_FOUND);
    // A library error never chooses its own exit code, and an errno code is a generic failure.
    expect(exitCodeFor(Object.assign(new Error("claims success"), { exitCode: 0 }))).toBe(EXIT_FILE_ERROR);
    expect(exitCodeFor(Object.assign(new Error("gone"), { code: "ENOENT" }))).toBe(EXIT_FILE_ERROR);
    expect(exitCodeFor(Object.assign(new Error("inherited"), { code: "toString" }))).toBe(EXIT_FILE_ERROR);
    expect(exitCodeFor(new Error("boom"))).toBe(EXIT_FILE_ERROR);
    expect(exitCodeFor("a string")).toBe(EXIT_FILE_ERROR);
  });

  it("prints one line, with the stack only when debugging", () => {
    const error = new Error("first\n  second");
    expect(formatErrorLine(error, false)).toBe("sdmodels: first second\n");
    const debug = formatErrorLine(error, true);
    expect(debug.startsWith("sdmodels: first second\n")).toBe(true);
    expect(debug).toMatch(/\n\s+at /);
  });
});
