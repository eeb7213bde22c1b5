import * as path from 'node:path';

/** Where the local backend keeps a run's worker logs: `logs/` in the run's folder. */
export function logDirOf(runDir: string): string {
  return path.join(runDir, 'logs');
}

/** One attempt's log file: the query name and the serial, so every attempt keeps its own. */
export function attemptLogFile(logDir: string, queryName: string, serial: string): string {
  return path.join(logDir, `${queryName}.${serial}.log`);
}

/**
 * The log file of a query name and serial read back from a record, or undefined when they would name a file outside
 * the logs folder (a serial such as `a/../../x` in a damaged or crafted record).
 */
export function recordedLogFile(logDir: string, queryName: string, serial: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(serial) || !/^[A-Za-z0-9_.-]+$/.test(queryName)) return undefined;
  const file = path.resolve(logDir, `${queryName}.${serial}.log`);
  return path.dirname(file) === path.resolve(logDir) ? file : undefined;
}
