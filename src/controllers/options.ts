import type { LogFn } from '../util/log';

/** How a backend is opened for a run (shared by open.ts and each backend, so neither imports the other). */
export interface OpenOptions {
  /** The run's folder (local worker logs go under it). */
  runDir: string;
  /** Cache folder for the server's downloaded API (dhe). */
  cacheDir?: string;
  log?: LogFn;
  signal?: AbortSignal;
}
