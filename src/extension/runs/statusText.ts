import { formatDuration } from '../../util/duration';
import { progressOf } from '../../runModel/runState';
import type { DateCounts, RunView } from './runStore';

/**
 * The status bar's words for a run: its name, how many succeeded of how many, failures and whether it was stopped.
 * Test-icon glyphs, not the error and warning ones the Problems counter uses beside it.
 */
export function statusText(run: RunView | undefined, c: DateCounts): { text: string; tooltip: string } | undefined {
  if (!run) return undefined;
  const finished = run.phase === 'finished';
  const stopped = run.state.cancel !== false || (finished && progressOf(run.state.counts).stopped > 0);
  const glyph = !finished ? '$(sync~spin)' : c.failed ? '$(testing-failed-icon)' : stopped ? '$(debug-stop)' : '$(testing-passed-icon)';
  const parts = [`${run.name} ${c.succeeded}/${c.total}`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (!finished && c.active) parts.push(`${c.active} running`);
  if (stopped) parts.push(finished ? 'stopped' : 'stopping');
  const phase = finished ? (stopped ? 'stopped' : 'finished') : run.phase;
  const left = finished ? undefined : run.timeLeft?.();
  return {
    text: `${glyph} ${parts.join(' · ')}`,
    tooltip: `PQ Orchestrator: ${run.name} (${phase}): ${c.succeeded} succeeded, ${c.failed} failed, ${c.active} running, ${c.pending} waiting of ${c.total}${leftWords(left)}`,
  };
}

/** ", about 12 min 05 s left" when the time left is known, else nothing. */
export function leftWords(ms: number | undefined): string {
  return ms === undefined ? '' : `, about ${formatDuration(ms)} left`;
}
