import { strict as assert } from 'node:assert';
import { applyPatch, cellName, countStates, durationRange, emptyGrid, FAILED, heat, orientation, patchFrom, setCell, strip, SUCCEEDED, type GridData } from '../../src/grid/model';
import { gridPage } from '../../src/grid/page';

function grid(dates = 3, partitions = 4): GridData {
  return emptyGrid({ title: 't', runId: 'r', dates: Array.from({ length: dates }, (_, k) => `2024-01-0${k + 1}`), partitions, names: { prefix: 'pq_batch_x_', dateKeys: Array.from({ length: dates }, (_, k) => `2024010${k + 1}`) }, t0: 1000, now: 1000, maxConcurrent: 2, live: true, summary: '', interactive: false });
}

describe('run grid data', () => {
  it('names a cell from its date row and partition, without one string per cell', () => {
    const g = grid();
    assert.equal(cellName(g, 0), 'pq_batch_x_20240101_0');
    assert.equal(cellName(g, 7), 'pq_batch_x_20240102_3');
  });

  it('a patch carries only the changed cells and applying it gives the same arrays as the source', () => {
    const source = grid();
    const copy = JSON.parse(JSON.stringify(source)) as GridData;
    const changed = [
      { index: 5, state: SUCCEEDED, attempt: 2, createdAt: 1100, endedAt: 1400, serial: '42' },
      { index: 9, state: 3, attempt: 1, createdAt: 1200 },
    ];
    for (const c of changed) setCell(source, c);
    source.now = 1500;
    const p = patchFrom(source.t0, changed, 1500, true);
    assert.deepEqual(p.cells, [5, 9]);
    assert.equal(JSON.stringify(p).length < 200, true, 'compact: arrays, not objects');
    applyPatch(copy, p);
    assert.deepEqual(copy, source);
    assert.deepEqual(countStates(copy.states).slice(3, 5), [1, 1]);
  });

  it('the strip: queries alive never exceed what overlapped, outcomes land in their bin', () => {
    const g = grid(1, 4);
    // Two at a time, back to back: 0-100, 0-100, 100-200, 100-200 (ms after t0); one failed.
    [[0, 100], [0, 100], [100, 200], [100, 200]].forEach(([s, e], i) => setCell(g, { index: i, state: i === 3 ? FAILED : SUCCEEDED, attempt: 1, createdAt: 1000 + s, endedAt: 1000 + e }));
    g.now = 1200;
    const s = strip(g, 50);
    assert.equal(Math.max(...s.live), 2, 'hand-offs do not count twice');
    assert.equal(s.live[10], 2);
    assert.equal(s.binMs, 1000);
    assert.deepEqual([s.succeeded[0], s.failed[0]], [3, 1]);
  });

  it('a running cell counts as alive until now', () => {
    const g = grid(1, 2);
    setCell(g, { index: 0, state: 3, attempt: 1, createdAt: 1000 });
    g.now = 1000 + 90_000;
    const s = strip(g, 10);
    assert.ok(s.live.every((v) => v === 1));
    assert.equal(s.spanMs, 90_000);
    assert.equal(s.binMs, 1000);
  });

  it('the duration scale: its range, and a log scale when it spans more than 10×', () => {
    const g = grid(1, 3);
    [[0, 100], [0, 5000], [0, 400]].forEach(([s, e], i) => setCell(g, { index: i, state: SUCCEEDED, attempt: 1, createdAt: 1000 + s, endedAt: 1000 + e }));
    const r = durationRange(g)!;
    assert.deepEqual(r, { min: 100, max: 5000 });
    assert.equal(heat(100, r), 0);
    assert.equal(heat(5000, r), 1);
    assert.ok(heat(400, r) > 0.3, 'log scale spreads the short ones');
    assert.equal(durationRange(grid()), undefined);
  });

  it('transposes only when the other way round fits much better', () => {
    assert.equal(orientation(250, 1000, 1200, 800), false);
    assert.equal(orientation(1000, 10, 1200, 300), true);
  });

  it('the page: a nonce CSP that fetches nothing, the data escaped inside its script tag', () => {
    const g = grid();
    g.title = '</script><script>alert(1)</script>';
    const html = gridPage({ title: g.title, nonce: 'abc', script: { inline: 'console.log("</script>")' }, data: g });
    assert.match(html, /content="default-src 'none'; script-src 'nonce-abc'; style-src 'nonce-abc'; img-src data:"/);
    assert.ok(!html.includes('<script>alert'), 'the title cannot open a script');
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'only the two real script tags close');
  });
});
