// `npm run bench`: every benchmark, each printing a table. Timings are for comparison within one run.
import { benchEfficiency, benchEngineCost } from './engine';
import { benchLocalVsXargs } from './localVsXargs';
import { benchValidation } from './validation';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want('validation')) benchValidation();
  if (want('efficiency')) await benchEfficiency();
  if (want('engine')) await benchEngineCost();
  if (want('local')) benchLocalVsXargs();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
