import { strict as assert } from 'node:assert';
import { RunStore } from '../../src/extension/runs/runStore';
import { revealFailures } from '../../src/extension/tree/revealFailures';
import type { Node, RunTreeProvider } from '../../src/extension/tree/runTree';
import { buildPlan } from '../../src/plan/plan';
import { analyze, BATCH_CONFIG } from '../helpers/configs';

/**
 * The workbench's side of a reveal, as seen in the in-editor suite on a busy machine: the first answers may be a
 * refusal (rejected) or a reveal that finds no row because the rows are being refreshed (resolved, nothing selected).
 */
function fakeView(answers: ('refuse' | 'miss' | 'select')[]) {
  const view = {
    selection: [] as Node[],
    reveals: 0,
    reveal(node: Node): Promise<void> {
      const a = answers[view.reveals++] ?? 'select';
      if (a === 'refuse') return Promise.reject(new Error('not shown yet'));
      if (a === 'select') view.selection = [node];
      return Promise.resolve();
    },
  };
  return view;
}

function failedRun(store: RunStore) {
  const p = buildPlan(analyze(BATCH_CONFIG).config!, '');
  const run = store.addRun(p, 'r1', p.cells.slice(0, 3));
  store.apply(run, { type: 'run-started', runId: 'r1', planHash: '', cells: 3, concurrency: 3, resumed: false, at: 0 });
  const end = (i: number, outcome: 'succeeded' | 'failed') => store.apply(run, { type: 'cell-finished', cell: run.byIndex.get(i)!.cell, attempt: 1, outcome, at: 0 });
  end(0, 'succeeded');
  end(1, 'failed');
  end(2, 'succeeded');
  store.apply(run, { type: 'run-finished', summary: { interrupted: false, exitCode: 1 } as never, at: 0 });
  return run;
}

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

describe('the first failure of a finished run is revealed', () => {
  const setup = (answers: ('refuse' | 'miss' | 'select')[]) => {
    const store = new RunStore();
    const nodes = new Map<number, Node>();
    const tree = {
      firstFailure: (run: { byIndex: Map<number, { state: string; cell: { index: number } }> }) => {
        const v = [...run.byIndex.values()].find((c) => c.state === 'failed');
        if (!v) return undefined;
        if (!nodes.has(v.cell.index)) nodes.set(v.cell.index, { kind: 'cell', id: `cell:${v.cell.index}` } as Node);
        return nodes.get(v.cell.index);
      },
    } as unknown as RunTreeProvider;
    const view = fakeView(answers);
    const off = revealFailures(store, tree, view as never);
    return { store, view, off, failedNode: () => nodes.get(1) };
  };

  it('even when the workbench first refuses, then finds no row: tried until the cell is selected', async () => {
    const { store, view, off, failedNode } = setup(['refuse', 'miss', 'miss', 'select']);
    try {
      failedRun(store);
      await until(() => view.selection.length > 0, 'the failed cell to be selected');
      assert.deepEqual(view.selection, [failedNode()]);
      assert.equal(view.reveals, 4, 'tried again after the refusal and after each reveal that selected nothing');
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(view.reveals, 4, 'not revealed again once selected');
    } finally {
      off.dispose();
    }
  });

  it('stops trying once the user has selected something else', async () => {
    const { store, view, off } = setup(['miss', 'miss', 'miss', 'miss']);
    try {
      failedRun(store);
      await until(() => view.reveals >= 1, 'the first reveal');
      const mine = { kind: 'run', id: 'run:other' } as Node;
      view.selection = [mine];
      await new Promise((r) => setTimeout(r, 1200));
      assert.ok(view.reveals <= 2, `revealed ${view.reveals} times after the user chose another row`);
      assert.deepEqual(view.selection, [mine], 'the user\'s selection is kept');
    } finally {
      off.dispose();
    }
  });
});
