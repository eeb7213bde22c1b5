/**
 * A replay query stays Initializing until its script returns. A worker whose script loops at top level until the
 * simulated close (`while ...: time.sleep(...)`) therefore reaches Running only after (close - replay_start) /
 * replay_speed of real time, and the orchestrator's init_timeout_minutes watchdog fails it if that is longer.
 */
export interface BlockingLoop {
  /** 1-based line of the loop. */
  line: number;
}

/** A top-level `while` whose body sleeps: the script does not return until the loop ends. */
export function findBlockingLoop(scriptText: string): BlockingLoop | undefined {
  const lines = scriptText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^while\b/.test(lines[i])) continue;
    for (let j = i + 1; j < lines.length && (/^\s/.test(lines[j]) || lines[j].trim() === ''); j++) {
      if (/\btime\.sleep\(|\bsleep\(/.test(lines[j])) return { line: i + 1 };
    }
  }
  return undefined;
}

/** Minutes of real time from replay_start to `close` (HH:MM:SS) at replay_speed; undefined when not computable. */
export function minutesToClose(replayStart: string, close: string, speed: number): number | undefined {
  const secs = (t: string) => {
    const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(t);
    return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
  };
  const a = secs(replayStart);
  const b = secs(close);
  if (a === undefined || b === undefined || b <= a || !(speed > 0)) return undefined;
  return (b - a) / speed / 60;
}
