import { renderGrid, STATE_NAMES, type GridData } from '../grid/render';
import type { CellState } from '../orchestrator/events';
import type { RunState } from '../orchestrator/runState';
import type { Cell, Plan } from '../plan/plan';
import { redact } from '../util/redact';

const INDEX: Record<CellState, number> = { pending: 0, 'waiting-retry': 1, creating: 2, active: 3, succeeded: 4, failed: 5, cancelled: 6, 'not-started': 7 };

/** A run's state as the grid draws it: compact arrays over the whole plan (cells a rerun did not cover are -1). */
export function gridData(plan: Plan, state: RunState<Cell>, summary: string, runId: string): GridData {
  const n = plan.cells.length;
  const states = new Array<number>(n).fill(-1);
  const durations = new Array<number>(n).fill(-1);
  const counts: Record<string, number> = {};
  for (const r of state.cells.values()) {
    const i = r.cell.index;
    states[i] = INDEX[r.state];
    if (r.createdAt !== undefined && r.endedAt !== undefined) durations[i] = r.endedAt - r.createdAt;
    const name = STATE_NAMES[INDEX[r.state]];
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return { title: `${plan.name}: run ${runId}`, dates: plan.dates, partitions: plan.numPartitions, states, durations, names: plan.cells.map((c) => c.queryName), counts, summary };
}

/**
 * One self-contained HTML file (no network: the drawing code and the data are inline, a CSP forbids the rest) for a
 * CI job to attach: the grid of every cell, hover details, and the run's summary.
 */
export function htmlReport(plan: Plan, data: GridData): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>${escapeHtml(data.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:16px;color:#24292f}h1{font-size:18px}pre{background:#f6f8fa;padding:8px;overflow:auto}</style>
</head><body><div id="grid"></div>
<script>
(${renderGrid.toString()})(document.getElementById('grid'), ${json});
</script></body></html>
`;
  return redact(page, plan.config.secrets);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
