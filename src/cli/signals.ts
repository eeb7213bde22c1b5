import type { Io } from './io';

/**
 * Takes SIGINT and SIGTERM (a CI timeout sends SIGTERM) for as long as the process lives. `release()` turns the
 * handler into a no-op instead of removing it: a signal that arrives after the work ended but before the process
 * exits must not kill it by the signal's default action (it had already said its exit code).
 */
export function holdSignals(io: Io, handler: (name: 'SIGINT' | 'SIGTERM') => void): { release(): void } {
  let active = true;
  const onInt = () => active && handler('SIGINT');
  const onTerm = () => active && handler('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  return {
    release() {
      active = false;
      // A test's own emitter is cleaned up; a real process keeps the no-op listeners until it exits.
      if (io.signals !== process) {
        io.signals.off('SIGINT', onInt);
        io.signals.off('SIGTERM', onTerm);
      }
    },
  };
}
