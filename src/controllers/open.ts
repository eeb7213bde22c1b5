import * as path from 'node:path';
import type { Plan } from '../plan/plan';
import type { Controller } from './controller';
import type { OpenOptions } from './options';
import { LocalController } from './local/localController';
import { workerBaseEnv } from './local/workerEnv';

export type { OpenOptions } from './options';

/** Connects the backend a config asks for. Rejects with a message safe to show (no secret in it). */
export async function openController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const config = plan.config;
  if (config.backend === 'local') {
    return new LocalController({ logDir: path.join(options.runDir, 'logs'), python: config.local.python, baseEnv: workerBaseEnv(process.env, config.secrets) });
  }
  const { openDheController } = await import('./dhe/dheController');
  return openDheController(plan, options);
}
