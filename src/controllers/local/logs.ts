import * as path from 'node:path';

/** Where the local backend keeps a run's worker logs: `logs/` in the run's folder. */
export function logDirOf(runDir: string): string {
  return path.join(runDir, 'logs');
}

/** One attempt's log file: the query name and the serial, so every attempt keeps its own. */
export function attemptLogFile(logDir: string, queryName: string, serial: string): string {
  return path.join(logDir, `${queryName}.${serial}.log`);
}
