import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalidUtf8Offsets } from './utf8';
import { analyzeConfig, type AnalyzeOptions, type ConfigAnalysis } from './validate';

export interface LoadedConfig extends ConfigAnalysis {
  file: string;
  text: string;
}

/** Reads and analyzes a config file; a missing or unreadable file is reported as a problem, not thrown. */
export function loadConfigFile(file: string, options: Omit<AnalyzeOptions, 'file'> = {}): LoadedConfig | { file: string; readError: string } {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `config file not found: ${abs}` : code === 'EISDIR' ? `config path is a folder, not a file: ${abs}` : `cannot read config file ${abs}: ${(e as Error).message}`;
    return { file: abs, readError: why };
  }
  const text = bytes.toString('utf8');
  const analysis = analyzeConfig(text, { ...options, file: abs });
  const bad = invalidUtf8Offsets(bytes);
  if (bad.length) {
    // Each invalid byte decoded to one U+FFFD: its character offset is the decoded length of the bytes before it.
    for (const byteOffset of bad) {
      const start = bytes.subarray(0, byteOffset).toString('utf8').length;
      const hex = bytes[byteOffset].toString(16).toUpperCase().padStart(2, '0');
      analysis.problems.push({ severity: 'error', code: 'syntax', message: `not UTF-8 text: byte 0x${hex} cannot be decoded (save the file as UTF-8)`, path: [], start, end: start + 1 });
    }
    analysis.problems.sort((a, b2) => a.start - b2.start);
    analysis.config = undefined;
  }
  return { ...analysis, file: abs, text };
}
