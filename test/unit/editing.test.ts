import { strict as assert } from 'node:assert';
import { applyEdits, fixesFor } from '../../src/config/fixes';
import { contextAt, pairBlock } from '../../src/config/navigate';
import type { Problem } from '../../src/config/problem';
import { analyze, BATCH_CONFIG, edit, REPLAY_CONFIG } from '../helpers/configs';

const at = (text: string, marker: string, delta = 0) => {
  const i = text.indexOf(marker);
  assert.ok(i >= 0, marker);
  return i + delta;
};

describe('cursor context (by indentation, works mid-edit)', () => {
  it('finds the key path of a key and of a value', () => {
    const c = contextAt(REPLAY_CONFIG, at(REPLAY_CONFIG, 'num_partitions', 3));
    assert.equal(c.kind, 'key');
    assert.deepEqual(c.kind === 'key' && c.path, ['execution', 'num_partitions']);
    const v = contextAt(REPLAY_CONFIG, at(REPLAY_CONFIG, 'num_partitions: 2', 17));
    assert.deepEqual(v.kind === 'value' && v.path, ['execution', 'num_partitions']);
  });
  it('inside list items', () => {
    const c = contextAt(REPLAY_CONFIG, at(REPLAY_CONFIG, 'table: "Trade"', 1));
    assert.deepEqual(c.kind === 'key' && c.path, ['replay', 'replay_timestamp_columns', 0, 'table']);
    const first = contextAt(REPLAY_CONFIG, at(REPLAY_CONFIG, 'namespace: "Market"', 2));
    assert.deepEqual(first.kind === 'key' && first.path, ['replay', 'replay_timestamp_columns', 0, 'namespace']);
  });
  it('a new key being typed, even when the YAML is broken', () => {
    const text = edit(BATCH_CONFIG, '  heap_size_gb: 2\n', '  heap_size_gb: 2\n  max_re\n  bad: [\n');
    const c = contextAt(text, at(text, '  max_re', 8));
    assert.equal(c.kind, 'new-key');
    assert.deepEqual(c.kind === 'new-key' && c.parent, ['execution']);
    const top = contextAt('name: x\n\n', 9);
    assert.deepEqual(top.kind === 'new-key' && top.parent, []);
  });
  it('the block of a pair, nested lines included', () => {
    const text = 'a: 1\nextra:\n  x: 1\n  y:\n    - 2\nb: 3\n';
    const b = pairBlock(text, text.indexOf('extra'));
    assert.equal(text.slice(b.start, b.end), 'extra:\n  x: 1\n  y:\n    - 2\n');
  });
});

function fixOf(text: string, pick: (p: Problem) => boolean) {
  const r = analyze(text);
  const p = r.problems.find(pick);
  assert.ok(p, JSON.stringify(r.problems));
  return { fixes: fixesFor(p, r.parsed), problem: p };
}

describe('quick fixes', () => {
  it('adds a missing required key under its section, with a sensible value, and the config becomes valid', () => {
    const text = edit(BATCH_CONFIG, '  heap_size_gb: 2\n', '');
    const { fixes } = fixOf(text, (p) => p.code === 'missing-key');
    assert.equal(fixes[0].title, 'Add `heap_size_gb`');
    const fixed = applyEdits(text, fixes[0].edits);
    assert.match(fixed, /execution:\n  heap_size_gb: 4\n  worker_script/);
    assert.deepEqual(analyze(fixed).problems, []);
  });
  it('adds a missing mode section', () => {
    const text = edit(BATCH_CONFIG, 'batch:\n  timeout_minutes: 60\n', '');
    const { fixes } = fixOf(text, (p) => p.code === 'missing-key');
    const batch = fixes.find((f) => f.title.includes('batch'))!;
    const fixed = applyEdits(text, batch.edits);
    assert.match(fixed, /batch:\n  timeout_minutes: 60\n$/);
    assert.deepEqual(analyze(fixed).problems, []);
    const replay = applyEdits(text, fixes.find((f) => f.title.includes('replay'))!.edits);
    assert.deepEqual(analyze(replay).problems, []);
  });
  it('a value of the wrong type that says what it means is changed to the right type, and the config becomes valid', () => {
    for (const [from, to, expect] of [
      ['num_partitions: 2', 'num_partitions: "2"', 'Change to 2'],
      ['max_concurrent_sessions: 4', 'max_concurrent_sessions: "4"', 'Change to 4'],
    ] as const) {
      const text = edit(BATCH_CONFIG, from, to);
      const { fixes } = fixOf(text, (p) => p.code === 'invalid-type');
      assert.equal(fixes[0]?.title, expect);
      assert.deepEqual(analyze(applyEdits(text, fixes[0].edits)).problems, [], to);
    }
    const flag = edit(BATCH_CONFIG, '  heap_size_gb: 2\n', '  heap_size_gb: 2\n  delete_failed_queries: "true"\n');
    const f = fixOf(flag, (p) => p.code === 'invalid-type');
    assert.equal(f.fixes[0]?.title, 'Change to true');
    assert.deepEqual(analyze(applyEdits(flag, f.fixes[0].edits)).problems, []);
  });

  it('replaces an invalid value with the nearest allowed one', () => {
    const text = edit(BATCH_CONFIG, 'script_language: "Python"', 'script_language: "pyton"');
    const { fixes } = fixOf(text, (p) => p.code === 'invalid-enum');
    assert.equal(fixes[0].title, 'Change to "Python"');
    assert.ok(fixes[0].preferred);
    assert.deepEqual(analyze(applyEdits(text, fixes[0].edits)).problems, []);
    const range = edit(BATCH_CONFIG, 'num_partitions: 2', 'num_partitions: 5000');
    const r = fixOf(range, (p) => p.code === 'out-of-range');
    assert.equal(r.fixes[0].title, 'Change to 1000, the nearest allowed value');
    assert.ok(!analyze(applyEdits(range, r.fixes[0].edits)).problems.some((p) => p.severity === 'error'));
    const zero = edit(BATCH_CONFIG, 'heap_size_gb: 2', 'heap_size_gb: 0');
    assert.deepEqual(analyze(applyEdits(zero, fixOf(zero, (p) => p.code === 'out-of-range').fixes[0].edits)).problems, []);
  });
  it('removes an unknown key with its block, or renames it to the near key', () => {
    const text = edit(BATCH_CONFIG, '  heap_size_gb: 2\n', '  heap_size_gb: 2\n  max_retrys: 4\n');
    const { fixes } = fixOf(text, (p) => p.code === 'unknown-key');
    assert.equal(fixes[0].title, 'Rename to `max_retries`');
    assert.deepEqual(analyze(applyEdits(text, fixes[0].edits)).problems, []);
    assert.equal(applyEdits(text, fixes[1].edits), BATCH_CONFIG);
    const nested = BATCH_CONFIG + 'extras:\n  a: 1\n  b:\n    - 2\n';
    const n = fixOf(nested, (p) => p.code === 'unknown-key');
    assert.equal(applyEdits(nested, n.fixes[0].edits), BATCH_CONFIG);
  });
  it('turns a null env into an empty map', () => {
    const text = edit(BATCH_CONFIG, 'env: {}', 'env:');
    const { fixes } = fixOf(text, (p) => p.code === 'invalid-type');
    assert.deepEqual(analyze(applyEdits(text, fixes[0].edits)).problems, []);
  });
});
