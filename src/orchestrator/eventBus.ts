import type { RunEvent, RunListener } from '../runModel/events';

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
