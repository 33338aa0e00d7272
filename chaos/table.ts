/**
 * The chaos suite's result rows and the one table it prints.
 *
 * @module
 */

/** Outcome of one row. */
export type Verdict = "PASS" | "FAIL";

/** One row: a target, the measured figure, the verdict. */
export interface Row {
  /** Target id, e.g. `R3`. */
  readonly id: string;
  /** The target as stated (with the quick-mode count or duration). */
  readonly target: string;
  /** What was measured. */
  readonly figure: string;
  readonly verdict: Verdict;
}

/**
 * Builds a row.
 *
 * @param id Target id.
 * @param target Target text.
 * @param figure Measured figure.
 * @param pass Whether the target was met.
 * @returns The row.
 */
export function row(id: string, target: string, figure: string, pass: boolean): Row {
  return { id, target, figure, verdict: pass ? "PASS" : "FAIL" };
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line.length > 0 && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/**
 * Renders rows as a fixed-width text table (columns wrap).
 *
 * @param rows The rows.
 * @returns The table text.
 */
export function renderTable(rows: readonly Row[]): string {
  const widths = [5, 44, 62, 4];
  const head = ["id", "target", "figure", "pass"];
  const sep = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+";
  const lines = [sep, fmt(head, widths), sep];
  for (const r of rows) {
    const cells = [r.id, r.target, r.figure, r.verdict].map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) lines.push(fmt(cells.map((c) => c[i] ?? ""), widths));
    lines.push(sep);
  }
  return lines.join("\n");
}

function fmt(cells: readonly string[], widths: readonly number[]): string {
  return "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
}

/** Milliseconds as `123 ms` or `1.23 s`. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "never";
  return value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
