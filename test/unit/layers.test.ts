import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');
const CORE = new Set(['config', 'plan', 'orchestrator', 'controllers', 'record', 'util', 'report']);

/** Every .ts file under src, with the src files it imports (relative imports only). */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const spec = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(spec)) {
      const base = path.resolve(path.dirname(f), m[1] ?? m[2]);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => known.has(c));
      if (hit) targets.add(hit);
    }
    graph.set(f, [...targets]);
  }
  return graph;
}

const folder = (f: string) => path.relative(SRC, f).split(path.sep)[0];
const rel = (f: string) => path.relative(SRC, f);

describe('layers (README, Development: arrows point down only)', () => {
  const graph = importGraph();

  it('no import points the wrong way', () => {
    const wrong: string[] = [];
    for (const [f, targets] of graph) {
      for (const t of targets) {
        const a = folder(f);
        const b = folder(t);
        const bad =
          (CORE.has(a) && (b === 'cli' || b === 'extension')) ||
          (a === 'extension' && b === 'cli') ||
          (a === 'cli' && b === 'extension') ||
          (a === 'config' && b === 'plan') ||
          (a === 'record' && b === 'orchestrator' && !/^(events|runState)\.ts$/.test(path.basename(t)));
        if (bad) wrong.push(`${rel(f)} -> ${rel(t)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('only src/extension imports vscode', () => {
    const offenders = [...graph.keys()].filter((f) => folder(f) !== 'extension' && /from\s+'vscode'|require\('vscode'\)/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map(rel), []);
  });

  it('no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...trail.slice(trail.indexOf(t)), t].map(rel).join(' -> '));
        else if (!state.has(t)) visit(t, [...trail, t]);
      }
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f, [f]);
    assert.deepEqual(cycles, []);
  });

  it('no source file over 300 lines', () => {
    const long = [...graph.keys()].map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
  });
});
