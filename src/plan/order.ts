import type { Cell } from './plan';
import { expectedDurations } from './forecast';

/**
 * Cells ordered longest expected first: a cell's known duration, else its date's mean, else the mean of all known
 * ones (`expectedDurations`); without any measurement, plan order. Stable: equal estimates keep plan order.
 */
export function longestFirst(cells: readonly Cell[], known: ReadonlyMap<number, number>): Cell[] {
  const expected = expectedDurations(cells, known);
  if (!expected) return [...cells];
  return cells.map((c) => ({ c, e: expected(c) })).sort((a, b) => b.e - a.e || a.c.index - b.c.index).map((x) => x.c);
}
