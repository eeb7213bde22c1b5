import type { Config } from '../../config/types';
import type { Controller } from '../controller';
import type { OpenOptions } from '../open';

export async function openDheController(_config: Config, _options: OpenOptions): Promise<Controller> {
  throw new Error('the dhe backend is not available in this build yet; run with --backend local');
}
