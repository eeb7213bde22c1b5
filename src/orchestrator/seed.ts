import { isFinal, type Controller, type QueryState } from '../controllers/controller';
import type { Cell } from '../plan/plan';
import type { CellOutcome, FailureKind, PriorCell } from './events';

/** What to do first with a cell, given what an interrupted run of the same plan recorded and what the server has. */
export type SeedStep =
  | { kind: 'final'; attempts: number; finish: { outcome: CellOutcome; attempt: number; kind?: FailureKind; serial?: string; detail?: string }; deleteSerial?: string }
  | { kind: 'adopt'; attempts: number; serial: string; attempt: number }
  | { kind: 'queue'; attempts: number; gone: boolean };

export function seedPlan(cell: Cell, prior: PriorCell | undefined, controller: Controller): SeedStep {
  if (!prior) return { kind: 'queue', attempts: 0, gone: false };
  const attempts = prior.attempts;
  if (prior.outcome === 'succeeded' || prior.outcome === 'failed') {
    // Final already; its query may still be on the server if the run ended before deleting it.
    const leftover = !prior.deleted && prior.serial ? controller.get(prior.serial) : undefined;
    return {
      kind: 'final',
      attempts,
      finish: {
        outcome: prior.outcome,
        attempt: attempts,
        ...(prior.kind ? { kind: prior.kind } : {}),
        ...(prior.serial ? { serial: prior.serial } : {}),
        detail: prior.detail ?? (prior.outcome === 'failed' ? 'failed in the earlier run' : undefined),
      },
      ...(leftover && leftover.name === cell.queryName ? { deleteSerial: leftover.serial } : {}),
    };
  }
  if (prior.serial || attempts > 0) {
    // The interrupted run created (or was creating) this cell's query: whatever state it is in now, it is ours.
    const bySerial = prior.serial ? controller.get(prior.serial) : undefined;
    const known = bySerial?.name === cell.queryName ? bySerial : controller.findByName(cell.queryName);
    if (known) return { kind: 'adopt', attempts, serial: known.serial, attempt: Math.max(1, attempts) };
    return { kind: 'queue', attempts, gone: Boolean(prior.serial) };
  }
  return { kind: 'queue', attempts, gone: false };
}

/** A query found by name that this run may watch instead of creating a new one: it has not ended. */
export function adoptable(q: QueryState): boolean {
  return !isFinal(q.phase);
}
