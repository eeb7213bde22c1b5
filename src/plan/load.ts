import * as fs from 'node:fs';
import { loadConfigFile } from '../config/load';
import { hasErrors, type Problem } from '../config/problem';
import type { BackendName } from '../config/types';
import { analyzeConfig, type AnalyzeOptions } from '../config/validate';
import { buildPlan, type Plan } from './plan';

export interface LoadPlanOptions {
  purpose: AnalyzeOptions['purpose'];
  backend?: BackendName;
  env?: NodeJS.ProcessEnv;
  /** The config's text as the editor holds it (unsaved edits included); default: read the file. */
  text?: string;
}

/** The outcome of turning a config file into a plan: the plan, or why not, always with the text and problems. */
export type PlanLoad =
  | { kind: 'read-error'; file: string; message: string }
  | (Loaded & { kind: 'invalid' })
  | (Loaded & { kind: 'script-error'; message: string })
  | (Loaded & { kind: 'plan'; plan: Plan });

interface Loaded {
  file: string;
  text: string;
  problems: Problem[];
  /** The document's plain data, even when invalid (the editor reads the credential references from it). */
  data: unknown;
  /** The backend in effect (the override, else the config's). */
  backend: BackendName;
}

/** The one path from a config file to a plan, for the CLI, the editor and history alike. Never throws. */
export function loadPlan(file: string, options: LoadPlanOptions): PlanLoad {
  const { text: given, ...analyze } = options;
  const loaded = given === undefined ? loadConfigFile(file, analyze) : { ...analyzeConfig(given, { ...analyze, file }), file, text: given };
  if ('readError' in loaded) return { kind: 'read-error', file: loaded.file, message: loaded.readError };
  const { text, problems, config, data, backend } = loaded;
  const base = { file: loaded.file, text, problems, data, backend };
  if (!config || hasErrors(problems)) return { kind: 'invalid', ...base };
  let script: string;
  try {
    script = fs.readFileSync(config.execution.worker_script, 'utf8');
  } catch (e) {
    return { kind: 'script-error', ...base, message: `cannot read worker script ${config.execution.worker_script}: ${(e as Error).message}` };
  }
  return { kind: 'plan', ...base, plan: buildPlan(config, script) };
}
