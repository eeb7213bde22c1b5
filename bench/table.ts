/** Prints rows as an aligned text table. */
export function printTable(title: string, rows: Record<string, string | number>[], write: (line: string) => void = (l) => console.log(l)): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  write(`\n${title}`);
  write(line(cols));
  write('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) write(line(cols.map((c) => cell(r[c]))));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
