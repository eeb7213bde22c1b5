import type { Plan } from '../plan/plan';
import type { Controller } from '../controllers/controller';
import type { OpenOptions } from '../controllers/options';
import { LocalController } from '../controllers/local/localController';
import { workerBaseEnv } from '../controllers/local/workerEnv';
import { logDirOf } from '../controllers/local/logs';

export type { OpenOptions } from '../controllers/options';

/** Connects the backend a config asks for. Rejects with a message safe to show (no secret in it). */
export async function openController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const config = plan.config;
  if (config.backend === 'local') {
    return new LocalController({ logDir: logDirOf(options.runDir), python: config.local.python, baseEnv: workerBaseEnv(process.env, config.secrets) });
  }
  const { openDheController } = await import('../controllers/dhe/dheController');
  return openDheController(plan, options);
}
