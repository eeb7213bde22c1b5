export interface StallTiming {
  /** One "iteration" of stall detection. */
  stallIterationMs: number;
  stallIterations: number;
  startupStallIterations: number;
}

export interface StallSnapshot {
  /** Changes whenever anything happens. */
  progress: number;
  /** Nothing has finished yet (starting workers is slow: more patience). */
  startingUp: boolean;
  /** The counts the warning names. */
  counts: string;
}

/**
 * Warns when nothing has moved for a number of iterations (more while nothing has finished yet: starting workers is
 * slow). Returns the stopper.
 */
export function watchForStalls(t: StallTiming, snapshot: () => StallSnapshot, warn: (message: string) => void): () => void {
  let last = snapshot().progress;
  let idle = 0;
  const timer = setInterval(() => {
    const now = snapshot();
    if (now.progress !== last) {
      last = now.progress;
      idle = 0;
      return;
    }
    idle++;
    if (idle % (now.startingUp ? t.startupStallIterations : t.stallIterations) === 0) warn(`No progress for ${idle} iterations${now.startingUp ? ' (startup)' : ''}. ${now.counts}`);
  }, t.stallIterationMs);
  timer.unref();
  return () => clearInterval(timer);
}
