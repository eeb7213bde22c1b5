import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latestRun, newRunId, readRecord, RecordWriter } from '../../src/record/record';

describe('run records', () => {
  it('run ids sort in the order they were made, within one second and one millisecond too', () => {
    const t = new Date('2026-11-28T23:19:33.100Z');
    const ids = [newRunId(t), newRunId(t), newRunId(new Date(t.getTime() + 1)), newRunId(new Date(t.getTime() + 900)), newRunId(new Date(t.getTime() + 1000))];
    assert.deepEqual([...ids].sort(), ids);
    assert.match(ids[0], /^20261128-231933-100-[a-z0-9]+$/);
  });

  it('the latest run is the one made last, even in the same second', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-rec-'));
    const t = new Date();
    for (const [i, id] of [newRunId(t), newRunId(new Date(t.getTime() + 5))].entries()) {
      const w = new RecordWriter(path.join(root, id), []);
      w.append({ t: 'run', runId: id, planHash: 'h', config: 'c', name: `run${i}`, mode: 'batch', backend: 'local', cells: 1, at: i });
      w.close();
    }
    assert.equal(latestRun(root)?.header.name, 'run1');
  });

  it('a torn last line is skipped, the rest read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-rec-'));
    const w = new RecordWriter(dir, ['s3cret']);
    w.append({ t: 'run', runId: 'r', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'local', cells: 2, at: 0 });
    w.append({ t: 'finished', i: 0, a: 1, o: 'failed', k: 'execution', d: 'password s3cret leaked by a worker', at: 1 });
    w.close();
    fs.appendFileSync(path.join(dir, 'record.jsonl'), '{"t":"finished","i":1,"a":1,"o":"succ');
    const text = fs.readFileSync(path.join(dir, 'record.jsonl'), 'utf8');
    assert.ok(!text.includes('s3cret'), 'secrets are masked in the record');
    const rec = readRecord(dir);
    assert.equal(rec?.cells.get(0)?.outcome, 'failed');
    assert.equal(rec?.cells.get(1), undefined);
  });
});
