import { isFinal, type Controller, type QueryState } from '../controllers/controller';
import type { Cell } from '../plan/plan';
import type { CellSpec } from '../plan/cellSpec';
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

/**
 * Creates the cell's query, or adopts one of its name that has not ended (a create whose reply was lost, an
 * interrupted run): never two queries of one name. A finished one left from an earlier run is deleted to reuse its
 * name. If creation fails but the query exists anyway (a lost reply), it is adopted. `ours`: an earlier attempt of
 * this run called create and never learnt the result; a finished query of the name is then that one (any older one
 * was deleted before that call), and is adopted with its result instead of being deleted and run again.
 */
export async function createOrAdopt(controller: Controller, cell: Cell, spec: () => CellSpec, log: (message: string) => void, ours = false): Promise<{ serial: string; adopted: boolean } | { error: unknown; createCalled: boolean }> {
  let createCalled = false;
  try {
    const existing = controller.findByName(cell.queryName);
    if (existing && adoptable(existing)) return { serial: existing.serial, adopted: true };
    if (existing && ours) {
      log(`${cell.queryName}: the query ${existing.serial} this run created (its reply was lost) has ${existing.status || 'ended'}; taking its result`);
      return { serial: existing.serial, adopted: true };
    }
    if (existing) {
      await controller.delete([existing.serial]);
      log(`${cell.queryName}: deleted the finished query ${existing.serial} left from an earlier run, to reuse its name`);
    }
    createCalled = true;
    return { serial: await controller.create(spec()), adopted: false };
  } catch (error) {
    const made = createCalled ? controller.findByName(cell.queryName) : undefined;
    if (!made) return { error, createCalled };
    log(`${cell.queryName}: creation reported an error (${(error as Error).message}) but the query exists as serial ${made.serial}; adopting it`);
    return { serial: made.serial, adopted: true };
  }
}
