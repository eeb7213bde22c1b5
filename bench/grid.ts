/**
 * The run grid in a browser (headless chromium, the editor's own engine): first paint of a recorded run and the cost
 * of a batch of state changes, at 20,000 and 250,000 cells, with the page's memory and the size of what the editor
 * sends. The page is the --report file's (the panel's page is the same script, fed by messages).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyGrid, setCell, type GridData } from '../src/grid/model';
import { gridPage } from '../src/grid/page';
import { launchChromium } from '../test/harness/codeServer';
import { percentile, printTable } from './table';

const ROOT = path.resolve(__dirname, '..', '..');

/** A finished run: concurrency 500, 200-400 ms per cell, 1 in 500 failed, 1 in 50 retried. */
function recordedRun(dates: number, partitions: number): GridData {
  const t0 = Date.UTC(2026, 0, 1);
  const g = emptyGrid({
    title: `bench: run ${dates}x${partitions}`,
    runId: 'bench',
    dates: Array.from({ length: dates }, (_, k) => new Date(Date.UTC(2020, 0, 1) + k * 86_400_000).toISOString().slice(0, 10)),
    partitions,
    names: { prefix: 'pq_batch_bench_', dateKeys: Array.from({ length: dates }, (_, k) => String(20200101 + k)) },
    t0,
    now: t0,
    maxConcurrent: 500,
    live: false,
    summary: 'bench',
    interactive: false,
  });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const slots = new Array<number>(500).fill(0);
  const n = dates * partitions;
  for (let i = 0; i < n; i++) {
    const s = i % 500;
    const start = slots[s];
    const end = start + 200 + Math.floor(rnd() * 200);
    slots[s] = end;
    setCell(g, { index: i, state: rnd() < 0.002 ? 5 : 4, attempt: rnd() < 0.02 ? 2 : 1, createdAt: t0 + start, endedAt: t0 + end, serial: String(1_700_000_000_000 + i) });
  }
  g.now = t0 + Math.max(...slots);
  return g;
}

export async function benchGrid(): Promise<void> {
  const script = fs.readFileSync(path.join(ROOT, 'dist', 'grid.js'), 'utf8');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-grid-bench-'));
  const browser = await launchChromium(['--enable-precise-memory-info', '--js-flags=--expose-gc']);
  const rows: Record<string, string | number>[] = [];
  try {
    for (const [dates, partitions] of [[20, 1000], [250, 1000]]) {
      const data = recordedRun(dates, partitions);
      const file = path.join(dir, `grid-${dates}.html`);
      const html = gridPage({ title: data.title, nonce: 'bench', script: { inline: script }, data });
      fs.writeFileSync(file, html);
      const page = await browser.context.newPage();
      await page.route('http*://**', (r) => r.abort());
      const paints: number[] = [];
      for (let k = 0; k < 3; k++) {
        await page.goto(`file://${file}`);
        // The first frame after the grid is drawn: parse, data, bitmap, canvas, on screen.
        paints.push((await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(performance.now())))')) as number);
      }
      const n = dates * partitions;
      const batches: number[] = await page.evaluate(`(() => {
        const g = window.pqoGrid; const n = ${n}; const out = []; let seed = 11;
        const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        for (let b = 0; b < 30; b++) {
          const p = { cells: [], states: [], attempts: [], starts: [], ends: [], serials: [], now: g.data.now + 1000 * b, live: true };
          for (let k = 0; k < 5000; k++) { p.cells.push(Math.floor(rnd() * n)); p.states.push(Math.floor(rnd() * 8)); p.attempts.push(1); p.starts.push(100); p.ends.push(-1); p.serials.push(''); }
          const t = performance.now(); g.apply(p, true); out.push(performance.now() - t);
        }
        return out;
      })()`);
      const recolour = (await page.evaluate(`(() => { const sel = document.getElementById('mode'); const t = performance.now(); sel.value = 'duration'; sel.dispatchEvent(new Event('change')); return performance.now() - t; })()`)) as number;
      const heap = (await page.evaluate('(gc(), performance.memory.usedJSHeapSize)')) as number;
      await page.close();
      const sorted = [...batches].sort((a, b) => a - b);
      const paint = [...paints].sort((a, b) => a - b)[1];
      rows.push({
        cells: n.toLocaleString('en-US'),
        'page MB': html.length / 1e6,
        'first paint ms (target ≤ 500)': Math.round(paint),
        '5,000 changes ms p50': percentile(sorted, 50),
        'p95 (target ≤ 16)': percentile(sorted, 95),
        'duration recolour ms': recolour,
        'page heap MB': heap / 1e6,
        'patch of 5,000 KB': JSON.stringify({ cells: new Array(5000).fill(n - 1), states: new Array(5000).fill(4), attempts: new Array(5000).fill(1), starts: new Array(5000).fill(123456), ends: new Array(5000).fill(123789), serials: new Array(5000).fill('') }).length / 1000,
      });
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable('Run grid in chromium (the --report page; the panel runs the same script): median of 3 loads, 30 batches of 5,000 random changes each drawn at once', rows);
}

if (require.main === module) void benchGrid();
