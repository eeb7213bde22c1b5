import type { Cell } from '../plan/plan';
import { maskFreeText, type RunEvent, type RunEventInput, type RunListener } from '../runModel/events';
import { applyEvent, createRunState, type RunState } from '../runModel/runState';
import type { LogLevel } from '../util/log';

/** Hands each event to every listener in turn; a listener's exception never reaches the run. */
export class RunEventBus {
  private readonly listeners: RunListener[] = [];

  on(listener: RunListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a consumer's bug must not break the run */
      }
    }
  }
}

/**
 * The run's one stream of events: each is stamped, its free text masked (worker output, server and error messages are
 * masked here, once, before any consumer serialises them), reduced into the run state, then handed to every listener.
 */
export class RunStream {
  readonly state: RunState<Cell>;
  private readonly bus = new RunEventBus();
  /** Changes with every event that moves the run (not logs or status words): the stall watch reads it. */
  moves = 0;

  constructor(cells: readonly Cell[], private readonly secrets: readonly string[], private readonly now: () => number) {
    this.state = createRunState(cells);
  }

  on(listener: RunListener): () => void {
    return this.bus.on(listener);
  }

  /** `at`: when it happened, if earlier than now. */
  emit(event: RunEventInput, at = this.now()): void {
    const e = maskFreeText({ ...event, at } as RunEvent, this.secrets);
    if (e.type !== 'log' && e.type !== 'cell-status') this.moves++;
    applyEvent(this.state, e);
    this.bus.emit(e);
  }

  log(level: LogLevel, message: string): void {
    this.emit({ type: 'log', level, message });
  }
}
