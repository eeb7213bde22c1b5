import * as fs from 'node:fs';
import * as path from 'node:path';
import { printTable } from './table';

export function benchBundle(): void {
  const root = path.resolve(__dirname, '..', '..');
  const rows = ['dist/extension.js', 'dist/cli.js'].map((f) => ({ bundle: f, 'KB': fs.statSync(path.join(root, f)).size / 1024 }));
  printTable('Bundle size (esbuild, not minified)', rows);
}
