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
 * Keeps the start and, with a larger share, the end of `text`: in a path the file name says the most
 * (`models/Sta…sd15-inpainting.safetensors`).
 */
export function truncateMiddle(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  const keep = max - ELLIPSIS.length;
  const tail = Math.ceil(keep * TAIL_SHARE);
  return chars.slice(0, keep - tail).join("") + ELLIPSIS + chars.slice(chars.length - tail).join("");
}

function truncateEnd(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  return chars.slice(0, max - ELLIPSIS.length).join("") + ELLIPSIS;
}

/** Code points, not UTF-16 units: close enough for file names without pulling in an East-Asian-width table. */
const displayWidth = (text: string) => [...text].length;

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
        if ((widths[i] ?? 0) > (minWidths[i] ?? Infinity) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
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
  return [header(line(columns.map((c) => c.header))), ...cells.map(line)].join("\n") + "\n";
}

/** The width to fit: the terminal's when stdout is one, else `COLUMNS` when the user set it, else unlimited. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number | null {
  if (stream.isTTY === true && typeof stream.columns === "number" && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : null;
}
