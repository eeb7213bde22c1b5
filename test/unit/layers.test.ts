import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');
const CORE = new Set(['config', 'plan', 'runModel', 'orchestrator', 'controllers', 'record', 'session', 'util', 'report', 'grid']);

/**
 * What each core folder may import besides itself (README, code layout): the run vocabulary (runModel) sits below both
 * the engine and the record; the session, the use case, sits above the engine, the record and the controllers.
 */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  config: ['util'],
  plan: ['config', 'util'],
  runModel: ['plan', 'config', 'util'],
  controllers: ['plan', 'config', 'util'],
  orchestrator: ['runModel', 'controllers', 'plan', 'config', 'util'],
  record: ['runModel', 'plan', 'config', 'util'],
  report: ['runModel', 'controllers', 'grid', 'plan', 'config', 'util'],
  grid: ['runModel', 'plan', 'util'],
  session: ['orchestrator', 'record', 'controllers', 'runModel', 'plan', 'config', 'util'],
};

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
          (a !== b && a in MAY_IMPORT && !MAY_IMPORT[a].includes(b));
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

  it('no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const [f, targets] of graph) for (const t of targets) if (folder(f) !== folder(t)) (edges.get(folder(f)) ?? edges.set(folder(f), new Set()).get(folder(f))!).add(folder(t));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (d: string, trail: string[]) => {
      state.set(d, 'open');
      for (const e of edges.get(d) ?? []) {
        if (state.get(e) === 'open') cycles.push([...trail.slice(trail.indexOf(e)), e].join(' -> '));
        else if (!state.has(e)) visit(e, [...trail, e]);
      }
      state.set(d, 'done');
    };
    for (const d of edges.keys()) if (!state.has(d)) visit(d, [d]);
    assert.deepEqual(cycles, []);
  });

  it('no source file over 300 lines', () => {
    const long = [...graph.keys()].map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
  });
});
