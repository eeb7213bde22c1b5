import { isFinal } from '../controllers/controller';
import type { Plan } from '../plan/plan';
import type { LogFn } from '../util/log';
import { withTimeout } from '../util/timeout';
import { openController } from './openController';

/**
 * How many of an interrupted run's queries are still alive on its server: of the serials its record last saw being
 * created or running, those the server still has, not final, and carrying this run's mark (a query of the same serial
 * made by anyone else does not count). Logs in with the plan's credentials; an error says why it could not ask.
 */
export async function liveQueriesOf(plan: Plan, runId: string, serials: readonly string[], options: { runDir: string; log?: LogFn; timeoutMs?: number }): Promise<{ alive: number } | { error: string }> {
  let controller;
  const opening = openController(plan, { runDir: options.runDir, log: options.log ?? (() => undefined) });
  try {
    controller = await withTimeout(opening, options.timeoutMs ?? 30_000, 'logging in to ask the server');
  } catch (e) {
    // A login that answers after the timeout is closed, not left open.
    void opening.then((c) => c.close(), () => undefined);
    return { error: (e as Error).message };
  }
  try {
    let alive = 0;
    for (const s of serials) {
      const q = controller.get(s);
      if (q && !isFinal(q.phase) && q.mark?.run === runId) alive++;
    }
    return { alive };
  } finally {
    await controller.close();
  }
}
