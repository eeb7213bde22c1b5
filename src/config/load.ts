import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeConfig, type AnalyzeOptions, type ConfigAnalysis } from './validate';

export interface LoadedConfig extends ConfigAnalysis {
  file: string;
  text: string;
}

/** Reads and analyzes a config file; a missing or unreadable file is reported as a problem, not thrown. */
export function loadConfigFile(file: string, options: Omit<AnalyzeOptions, 'file'> = {}): LoadedConfig | { file: string; readError: string } {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { file: abs, readError: code === 'ENOENT' ? `config file not found: ${abs}` : `cannot read config file ${abs}: ${(e as Error).message}` };
  }
  return { ...analyzeConfig(text, { ...options, file: abs }), file: abs, text };
}
