export interface StallTiming {
  /** One "iteration" of stall detection. */
  stallIterationMs: number;
  stallIterations: number;
  startupStallIterations: number;
}

/**
 * Warns when nothing has moved for a number of iterations (more while nothing has finished yet: starting workers is
 * slow). `progress` changes whenever anything happens; returns the stopper.
 */
export function watchForStalls(t: StallTiming, progress: () => number, startingUp: () => boolean, warn: (idle: number, startup: boolean) => void): () => void {
  let last = progress();
  let idle = 0;
  const timer = setInterval(() => {
    const now = progress();
    if (now !== last) {
      last = now;
      idle = 0;
      return;
    }
    idle++;
    const startup = startingUp();
    if (idle % (startup ? t.startupStallIterations : t.stallIterations) === 0) warn(idle, startup);
  }, t.stallIterationMs);
  timer.unref();
  return () => clearInterval(timer);
}
