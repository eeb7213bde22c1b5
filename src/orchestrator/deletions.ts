import type { Controller } from '../controllers/controller';
import type { Cell } from '../plan/plan';
import type { RunEventInput, RunSummary } from '../runModel/events';
import type { Outstanding } from './outstanding';

/** Deletes queries the run is done with, and remembers those it could not delete (the summary lists them). */
export class Deletions {
  readonly undeleted: RunSummary['undeleted'] = [];

  constructor(
    private readonly controller: Controller,
    private readonly out: { emit(e: RunEventInput): void; log(level: 'warning' | 'error', message: string): void },
    private readonly work: Outstanding,
  ) {}

  /** The run waits for the deletion (its outstanding work) until the query is deleted or noted as not deleted. */
  delete(cell: Cell, serial: string): void {
    const p = this.controller.delete([serial]).then(
      () => this.out.emit({ type: 'query-deleted', cell, serial }),
      (e) => this.failed(cell, serial, (e as Error).message, 'delete', 'warning'),
    );
    void this.work.track('deleting', p);
  }

  failed(cell: Cell, serial: string, error: string, what: string, level: 'warning' | 'error'): void {
    this.undeleted.push({ name: cell.queryName, serial, error });
    this.out.log(level, `could not ${what} ${cell.queryName} (serial ${serial}): ${error}`);
  }
}
