import stringWidth from "string-width";
import { terminalSafe } from "./terminal-text.js";

export interface Column<Row> {
  header: string;
  value(row: Row): string;
  /**
   * How the column gives way when the table is wider than the terminal: "middle" keeps both ends (paths: the
   * folder and the extension tell the most), "end" keeps the start, "none" never shrinks. Default "end".
   */
  shrink?: "middle" | "end" | "none";
  /** Narrowest the column may become; default: the header width, at least {@link MIN_SHRUNK_WIDTH}. */
  minWidth?: number;
}

export interface TableOptions {
  /** Terminal width to fit, or null to never truncate (piped output keeps every character for grep and cut). */
  width: number | null;
  /** Styles the header row; identity when colour is off. */
  header?: (text: string) => string;
}

const GAP = "  ";
/** Below this a truncated cell no longer identifies anything; the table overflows instead. */
const MIN_SHRUNK_WIDTH = 6;
const ELLIPSIS = "…";
/** Share of a middle-truncated cell given to its end. */
const TAIL_SHARE = 0.6;

/**
 * Terminal columns a string takes: East Asian wide characters (CJK file names) and most emoji take two, combining
 * marks none. Counting code points instead shifts every column after a Japanese or Chinese file name.
 */
export const displayWidth = (text: string): number => stringWidth(text);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Whole characters (grapheme clusters) from the start, or from the end, that fit in `max` columns. */
function takeColumns(parts: readonly string[], max: number, fromEnd: boolean): { text: string; width: number } {
  const kept: string[] = [];
  let width = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[fromEnd ? parts.length - 1 - i : i] as string;
    const w = displayWidth(part);
    if (width + w > max) break;
    kept.push(part);
    width += w;
  }
  return { text: (fromEnd ? kept.reverse() : kept).join(""), width };
}

function split(text: string): string[] {
  return [...graphemes.segment(text)].map((g) => g.segment);
}

/**
 * Keeps the start and, with a larger share, the end of `text` within `max` columns: in a path the file name says the
 * most (`models/Sta…sd15-inpainting.safetensors`).
 */
export function truncateMiddle(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  const parts = split(text);
  const keep = max - ELLIPSIS.length;
  const tail = takeColumns(parts, Math.ceil(keep * TAIL_SHARE), true);
  // A wide character that did not fit the tail's share leaves its column to the head.
  const head = takeColumns(parts, keep - tail.width, false);
  return head.text + ELLIPSIS + tail.text;
}

function truncateEnd(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  return takeColumns(split(text), max - ELLIPSIS.length, false).text + ELLIPSIS;
}

/**
 * Renders rows as left-aligned columns separated by two spaces, header first, no borders: readable on a
 * terminal and trivially parsed when piped. When `width` is set, the widest shrinkable column gives way first.
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], options: TableOptions): string {
  const cells = rows.map((row) => columns.map((c) => terminalSafe(c.value(row))));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i] ?? ""))));
  const minWidths = columns.map((c) =>
    c.shrink === "none" ? Infinity : (c.minWidth ?? Math.max(displayWidth(c.header), MIN_SHRUNK_WIDTH)),
  );

  if (options.width !== null) {
    let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - options.width;
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if ((widths[i] ?? 0) > (minWidths[i] ?? Infinity) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)))
          widest = i;
      }
      if (widest < 0) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
      excess -= 1;
    }
  }

  const fit = (text: string, i: number) => {
    const width = widths[i] ?? 0;
    const shrunk = columns[i]?.shrink === "middle" ? truncateMiddle(text, width) : truncateEnd(text, width);
    return shrunk + " ".repeat(Math.max(0, width - displayWidth(shrunk)));
  };
  const line = (row: string[]) => row.map(fit).join(GAP).trimEnd();
  const header = options.header ?? ((text: string) => text);
  return `${[header(line(columns.map((c) => c.header))), ...cells.map(line)].join("\n")}\n`;
}

/** The width to fit: the terminal's when stdout is one, else `COLUMNS` when the user set it, else unlimited. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number | null {
  if (stream.isTTY === true && typeof stream.columns === "number" && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : null;
}
