/** Where the CLI writes, and what it knows about the terminal. Tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

const codes = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type StyleName = keyof typeof codes;

/** ANSI styling that becomes a no-op when colour is off (piped output, NO_COLOR, --no-color). */
export type Style = Record<StyleName, (text: string) => string>;

export function createStyle(enabled: boolean): Style {
  const entries = Object.entries(codes).map(([name, code]) => [
    name,
    enabled ? (text: string) => `\u001B[${code}m${text}\u001B[0m` : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as Style;
}

/** Colour on a TTY unless NO_COLOR is set; `--color` / `--no-color` (and FORCE_COLOR) decide first. */
export function colorEnabled(io: CliIo, flag: { color?: boolean; noColor?: boolean }): boolean {
  if (flag.noColor) return false;
  if (flag.color) return true;
  if (io.env['NO_COLOR']) return false;
  if (io.env['FORCE_COLOR'] && io.env['FORCE_COLOR'] !== '0') return true;
  return io.stdout.isTTY === true;
}

// oxlint-disable-next-line no-control-regex -- stripping ANSI escapes is the point
const ANSI = /\u001B\[[0-9;]*m/g;
// oxlint-disable-next-line no-control-regex -- one ANSI escape at the start
const LEADING_ANSI = /^\u001B\[[0-9;]*m/;
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/**
 * Aligned columns, header first. The last column is not padded; on a TTY lines are cut to the
 * terminal's width so a long detail never wraps the table.
 */
export function renderTable(header: string[], rows: string[][], style: Style, width?: number): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => visibleLength(row[column] ?? ''))));
  const line = (row: string[], isHeader: boolean) => {
    const text = row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd();
    const cut = width && visibleLength(text) > width ? cutToWidth(text, width) : text;
    return isHeader ? style.bold(cut) : cut;
  };
  return `${[line(header, true), ...rows.map((row) => line(row, false))].join('\n')}\n`;
}

function cutToWidth(text: string, width: number): string {
  // Walk the text keeping escapes intact; close any open style at the cut.
  let visible = 0;
  let result = '';
  for (let index = 0; index < text.length && visible < width - 1;) {
    const match = LEADING_ANSI.exec(text.slice(index));
    if (match) {
      result += match[0];
      index += match[0].length;
    } else {
      result += text[index];
      visible += 1;
      index += 1;
    }
  }
  return `${result}${text.includes('\u001B') ? '\u001B[0m' : ''}…`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `1h 02m`, `45s`, `320ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
}

/** One line, at most `max` characters. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
