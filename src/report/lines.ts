import type { RunEvent, RunSummary } from '../runModel/events';
import type { Plan } from '../plan/plan';
import type { LogLevel } from '../util/log';
import { formatDuration } from '../util/duration';


export function timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The log line of an event, in the spec's console format, or undefined for events that print nothing. `created`: how
 * many sessions this run has created so far, this one included. `face`: the editor has no signals or Ctrl+C; a stop
 * there is the user's Stop.
 */
export function eventLine(e: RunEvent, total: number, created = 0, face: Face = 'cli'): { level: LogLevel; text: string } | undefined {
  switch (e.type) {
    case 'run-started':
      return { level: 'info', text: `${e.resumed ? 'Resuming' : 'Starting'} run ${e.runId}: ${e.cells} session${e.cells === 1 ? '' : 's'}, up to ${e.concurrency} at once` };
    case 'cell-creating':
      return { level: 'debug', text: `Creating session: date=${e.cell.date}, partition=${e.cell.partition}, attempt=${e.attempt}, name=${e.cell.queryName}` };
    case 'cell-created':
      return e.adopted
        ? { level: 'info', text: `Adopted existing session ${created}/${total}: date=${e.cell.date}, partition=${e.cell.partition}, serial=${e.serial}` }
        : { level: 'info', text: `Created session ${created}/${total}: date=${e.cell.date}, partition=${e.cell.partition}, serial=${e.serial}` };
    case 'cell-status':
      return { level: 'debug', text: `Status ${e.status}: date=${e.cell.date}, partition=${e.cell.partition}, serial=${e.serial}` };
    case 'cell-create-failed':
      return e.retryInMs !== undefined
        ? { level: 'warning', text: `Creation failed (attempt ${e.attempt}): date=${e.cell.date}, partition=${e.cell.partition}: ${e.error}; retrying in ${(e.retryInMs / 1000).toFixed(1)}s` }
        : { level: 'error', text: `Creation failed: date=${e.cell.date}, partition=${e.cell.partition}: ${e.error}` };
    case 'cell-requeued':
      return { level: 'warning', text: `Queued again: date=${e.cell.date}, partition=${e.cell.partition}${e.serial ? `, serial=${e.serial}` : ''}: ${e.reason}` };
    case 'cell-finished':
      switch (e.outcome) {
        case 'succeeded':
          return { level: 'info', text: `Session completed successfully: date=${e.cell.date}, partition=${e.cell.partition}` };
        case 'failed':
          return { level: 'error', text: `Session failed (${e.kind}): date=${e.cell.date}, partition=${e.cell.partition}${e.serial ? `, serial=${e.serial}` : ''}: ${(e.detail ?? '').split('\n')[0]}` };
        case 'cancelled':
          return { level: 'warning', text: `Session stopped and deleted: date=${e.cell.date}, partition=${e.cell.partition}` };
        default:
          return { level: 'debug', text: `Not started: date=${e.cell.date}, partition=${e.cell.partition}` };
      }
    case 'query-deleted':
      return { level: 'debug', text: `Deleted query ${e.cell.queryName} (serial ${e.serial})` };
    case 'log':
      return { level: e.level, text: e.message };
    case 'cancel-requested':
      if (face === 'editor') {
        return e.stage === 'graceful'
          ? { level: 'warning', text: 'Stopping: no new cells start; running ones finish. Stop again to stop and delete them now.' }
          : { level: 'warning', text: 'Stopping now: the cells still running are stopped and their queries deleted.' };
      }
      return e.stage === 'graceful'
        ? { level: 'warning', text: 'Shutdown signal received: creating no more sessions, letting running ones finish. Press Ctrl+C again to stop and delete them.' }
        : { level: 'warning', text: 'Second shutdown signal: stopping and deleting the sessions this run created that are still running.' };
    case 'run-finished':
      return undefined;
  }
}


const EXIT_WORDS: Record<number, string> = {
  0: 'success',
  1: 'creation failures',
  2: 'execution failures',
  3: 'creation and execution failures',
  4: 'error',
};

/** How to tell people to act: the CLI names its flags; the editor names its commands. */
export type Face = 'cli' | 'editor';

export function formatSummary(plan: Plan, s: RunSummary, recordFile?: string, face: Face = 'cli'): string {
  const out: string[] = [];
  const failed = s.failedCreation + s.failedExecution;
  const cli = face === 'cli';
  // The CLI keeps the spec's word; the editor says "cells" everywhere (its tree, grid and commands do).
  const unit = cli ? 'sessions' : 'cells';
  out.push('', `Summary of ${plan.name} (run ${s.runId}):`);
  out.push(`  ${unit.padEnd(14)}${s.cells}`);
  out.push(`  succeeded     ${s.succeeded}`);
  out.push(`  failed        ${failed}${failed ? ` (${s.failedCreation} creation, ${s.failedExecution} execution)` : ''}`);
  if (s.cancelled) out.push(`  cancelled     ${s.cancelled} (stopped and deleted)`);
  if (s.notStarted) out.push(`  not started   ${s.notStarted}`);
  out.push(`  duration      ${formatDuration(s.endedAt - s.startedAt)}${s.forecastMs !== undefined ? ` (forecast ${formatDuration(s.forecastMs)})` : ''}`);
  if (s.interrupted && cli) out.push(`  interrupted   ${s.interrupted === 'graceful' ? 'by a shutdown signal (running sessions finished)' : 'by a second shutdown signal (running sessions deleted)'}`);
  if (s.interrupted && !cli) out.push(`  stopped       by you (${s.interrupted === 'graceful' ? 'running cells finished' : 'running cells stopped and deleted'})`);
  if (s.budgetExhausted) out.push(`  stopped early more than max_failures (${plan.config.execution.max_failures}) ${unit} failed`);
  if (s.failures.length) {
    out.push('', `Failed ${unit}:`);
    const sorted = [...s.failures].sort((a, b) => a.cell.index - b.cell.index);
    for (const f of sorted.slice(0, 50)) {
      const lines = f.detail.split('\n').filter((l) => l.trim());
      out.push(`  ${f.cell.date} partition ${f.cell.partition}  ${f.cell.queryName}${f.serial ? `  serial ${f.serial}` : ''}  (${f.kind})`);
      // The headline, then the end of the log, where the error is.
      const shown = lines.length <= 8 ? lines : [lines[0], `... ${lines.length - 7} lines ...`, ...lines.slice(-6)];
      for (const l of shown) out.push(`      ${l}`);
    }
    if (sorted.length > 50) out.push(`  ... and ${sorted.length - 50} more (see the run record)`);
  }
  if (s.undeleted.length) {
    out.push('', 'Queries that could not be deleted (delete them by hand):');
    for (const u of s.undeleted) out.push(`  ${u.name}  serial ${u.serial}: ${u.error}`);
  }
  if (recordFile) out.push('', `Run record: ${recordFile}`);
  if (s.notStarted + s.cancelled > 0) out.push(cli ? 'Continue this run with --resume.' : 'Continue this run with "Resume Interrupted Run".');
  if (failed > 0) out.push(cli ? 'Run only the failed sessions again with --rerun-failed.' : 'Run only the failed cells again with "Rerun Failed Cells".');
  const words = `${EXIT_WORDS[s.exitCode] ?? ''}${s.exitCode === 4 && s.succeeded < s.cells && !failed ? ` (not every ${cli ? 'session' : 'cell'} ran)` : ''}`;
  out.push(cli ? `Exit code ${s.exitCode}: ${words}` : `Result: ${s.interrupted ? stoppedWords(s) : words}`);
  return out.join('\n');
}

/** A stopped run in the editor's words: "Stopped by you: 4 done, 8 not started". */
export function stoppedWords(s: RunSummary): string {
  const done = s.succeeded + s.failedCreation + s.failedExecution;
  const rest = [`${done} done`];
  if (s.cancelled) rest.push(`${s.cancelled} stopped`);
  if (s.notStarted) rest.push(`${s.notStarted} not started`);
  return `Stopped by you: ${rest.join(', ')}`;
}
