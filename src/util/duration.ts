/**
 * The one way a duration is written, in the CLI's summary, the tree's tooltips, the grid page and the report:
 * 350 ms, 4.2 s, 3 min 05 s, 1 h 02 min. A negative duration (not known yet) is a dash.
 */
export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
