import type { Cell } from './plan';

/**
 * Cells ordered longest expected first: a cell's known duration, else its date's mean, else the mean of all known
 * ones; cells without any estimate keep plan order at the end. Stable: equal estimates keep plan order.
 */
export function longestFirst(cells: readonly Cell[], known: ReadonlyMap<number, number>): Cell[] {
  const byDate = new Map<string, { sum: number; n: number }>();
  let sum = 0;
  let n = 0;
  for (const c of cells) {
    const d = known.get(c.index);
    if (d === undefined) continue;
    const m = byDate.get(c.date) ?? { sum: 0, n: 0 };
    m.sum += d;
    m.n++;
    byDate.set(c.date, m);
    sum += d;
    n++;
  }
  const overall = n ? sum / n : undefined;
  const expected = (c: Cell) => {
    const d = known.get(c.index);
    if (d !== undefined) return d;
    const m = byDate.get(c.date);
    return m ? m.sum / m.n : (overall ?? -1);
  };
  return cells.map((c) => ({ c, e: expected(c) })).sort((a, b) => b.e - a.e || a.c.index - b.c.index).map((x) => x.c);
}
