import type { Plan } from '../plan/plan';
import type { Controller } from './controller';
import type { OpenOptions } from './options';
import { LocalController } from './local/localController';
import { workerBaseEnv } from './local/workerEnv';
import { logDirOf } from './local/logs';

export type { OpenOptions } from './options';

/** Connects the backend a config asks for. Rejects with a message safe to show (no secret in it). */
export async function openController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const config = plan.config;
  if (config.backend === 'local') {
    return new LocalController({ logDir: logDirOf(options.runDir), python: config.local.python, baseEnv: workerBaseEnv(process.env, config.secrets) });
  }
  const { openDheController } = await import('./dhe/dheController');
  return openDheController(plan, options);
}
