import * as path from 'node:path';
import type { Plan } from '../plan/plan';
import type { Controller } from './controller';
import { LocalController } from './local/localController';
import { workerBaseEnv } from './local/workerEnv';

export interface OpenOptions {
  /** The run's folder (local worker logs go under it). */
  runDir: string;
  /** Cache folder for the server's downloaded API (dhe). */
  cacheDir?: string;
  log?: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;
  signal?: AbortSignal;
}

/** Connects the backend a config asks for. Rejects with a message safe to show (no secret in it). */
export async function openController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const config = plan.config;
  if (config.backend === 'local') {
    return new LocalController({ logDir: path.join(options.runDir, 'logs'), python: config.local.python, baseEnv: workerBaseEnv(process.env, config.secrets) });
  }
  const { openDheController } = await import('./dhe/dheController');
  return openDheController(plan, options);
}
