import * as path from 'node:path';
import type { Config } from '../config/types';
import type { Controller } from './controller';
import { LocalController } from './local/localController';

export interface OpenOptions {
  /** The run's folder (local worker logs go under it). */
  runDir: string;
  /** Cache folder for the server's downloaded API (dhe). */
  cacheDir?: string;
  log?: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;
  signal?: AbortSignal;
}

/** Connects the backend a config asks for. Rejects with a message safe to show (no secret in it). */
export async function openController(config: Config, options: OpenOptions): Promise<Controller> {
  if (config.backend === 'local') {
    return new LocalController({ logDir: path.join(options.runDir, 'logs'), python: config.local.python });
  }
  const { openDheController } = await import('./dhe/dheController');
  return openDheController(config, options);
}
