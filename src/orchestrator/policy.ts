import type { Plan } from '../plan/plan';

/** Pure decisions of the run, with the clock and the randomness given. */

export interface RetryTiming {
  /** First retry delay; doubles each retry, capped at retryMaxMs, then jittered down by up to half. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Whether a cell whose creation failed `failuresInARow` times may be tried again. */
export function mayRetry(failuresInARow: number, maxRetries: number): boolean {
  return failuresInARow <= maxRetries;
}

/** Exponential backoff with jitter: the n-th retry waits between half and all of min(max, base × 2^(n-1)). */
export function retryDelayMs(failuresInARow: number, t: RetryTiming, random: () => number): number {
  const cap = Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** (failuresInARow - 1));
  return Math.round(cap * (0.5 + 0.5 * random()));
}

/** More execution failures than max_failures: create nothing more. */
export function budgetExhausted(failed: number, maxFailures: number): boolean {
  return failed > maxFailures;
}

/** How long one attempt may take before the watchdog stops it, and how to say so. */
export function attemptLimit(plan: Plan): { ms: number; what: string; untilRunning: boolean } {
  const c = plan.config;
  if (c.mode === 'replay') {
    return { ms: c.replay.init_timeout_minutes * 60_000, what: `did not start running within init_timeout_minutes (${c.replay.init_timeout_minutes} min)`, untilRunning: true };
  }
  const minutes = c.batch.timeout_minutes;
  return { ms: minutes * 60_000, what: `ran longer than timeout_minutes (${minutes} min)`, untilRunning: false };
}

/** A failed attempt's detail: why it ended, the server's detail, then the log unless the detail holds it already. */
export function failureDetail(headline: string, stateDetail: string | undefined, log: string | undefined): string {
  const parts = [headline];
  if (stateDetail) parts.push(stateDetail.trim());
  if (log && !(stateDetail && stateDetail.includes(log.trim()))) parts.push(log.trim());
  return parts.join('\n');
}

export function creationFailedDetail(tries: number, error: string): string {
  return `creation failed after ${tries} tr${tries === 1 ? 'y' : 'ies'}: ${error}`;
}

/** A cell that ended this way has its query deleted, as the config's delete_* settings say. */
export function wantsDeleted(plan: Plan, f: { outcome: string; kind?: string }): boolean {
  const ex = plan.config.execution;
  return f.outcome === 'succeeded' ? ex.delete_successful_queries : f.outcome === 'failed' && f.kind === 'execution' && ex.delete_failed_queries;
}

/** What follows a failed creation: wait and try again, or the cell's end (a stopping run starts nothing new). */
export type CreateErrorStep = { retryInMs: number } | { finish: { outcome: 'not-started' } | { outcome: 'failed'; kind: 'creation'; detail: string } };

export function afterCreateError(failuresInARow: number, error: string, plan: Plan, t: RetryTiming, stopping: boolean, random: () => number): CreateErrorStep {
  const retry = mayRetry(failuresInARow, plan.config.execution.max_retries);
  if (retry && !stopping) return { retryInMs: retryDelayMs(failuresInARow, t, random) };
  if (retry) return { finish: { outcome: 'not-started' } };
  return { finish: { outcome: 'failed', kind: 'creation', detail: creationFailedDetail(failuresInARow, error) } };
}

/**
 * max_failures, counted from when a failure is known (`pending`: failures whose detail is still being fetched), so
 * the budget stops creation before the detail arrives. `check` gives the message the first time it is exceeded.
 */
export class FailureBudget {
  pending = 0;
  exhausted = false;

  constructor(private readonly max: number) {}

  check(failed: number): string | undefined {
    const n = failed + this.pending;
    if (this.exhausted || !budgetExhausted(n, this.max)) return undefined;
    this.exhausted = true;
    return `${n} cells failed, more than max_failures (${this.max}): creating no more queries; those running finish`;
  }
}
