// Following runs through their records, as the editor does for runs it did not start: how long a line takes from
// its writer (another process) to the followed run's state, and what each line costs the follower.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordFollower } from '../src/record/follow';
import { recordHeader } from '../src/record/format';
import { followedRun } from '../src/record/replay';
import { applyEvent } from '../src/runModel/runState';
import { planFor } from './engine';
import { percentile, printTable } from './table';

/**
 * A writer process (argv: out/src/record/writer.js, run folder, header JSON, cells, lines a batch, ms between
 * batches): the record's header naming this process as its owner (as the CLI's does), then for each cell
 * `creating`, `created`, `finished`, in batches (as a run flushes once per turn), then its end.
 */
export const WRITER = `
const path = require('path');
const { RecordWriter } = require(process.argv[1]);
const { processStartTime } = require(path.join(path.dirname(process.argv[1]), 'lock.js'));
const [dir, header, cells, batch, everyMs] = [process.argv[2], JSON.parse(process.argv[3]), +process.argv[4], +process.argv[5], +process.argv[6]];
const w = new RecordWriter(dir, []);
const owner = { pid: process.pid, host: require('os').hostname(), startedAt: Date.now(), pidStart: processStartTime(process.pid), via: 'cli' };
w.append({ ...header, owner, at: Date.now() });
let i = 0;
const tick = () => {
  for (let k = 0; k < batch && i < cells * 3; k++, i++) {
    const cell = Math.floor(i / 3), step = i % 3, at = Date.now();
    if (step === 0) w.append({ t: 'creating', i: cell, a: 1, at });
    else if (step === 1) w.append({ t: 'created', i: cell, a: 1, s: 'q' + cell, at });
    else w.append({ t: 'finished', i: cell, a: 1, o: 'succeeded', s: 'q' + cell, at });
  }
  w.flush();
  if (i < cells * 3) setTimeout(tick, everyMs);
  else { w.append({ t: 'end', exitCode: 0, summary: {}, at: Date.now() }); w.close(); }
};
setTimeout(tick, 200);
`;

async function followRuns(runs: number, cells: number, batch: number, everyMs: number): Promise<Record<string, string | number>> {
  const plan = planFor(cells, 100);
  const writer = path.resolve(__dirname, '..', 'src', 'record', 'writer.js');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bench-attach-'));
  const latencies: number[] = [];
  let lines = 0;
  let ended = 0;
  const header = recordHeader(plan, 'bench');
  const children = [];
  const followers: RecordFollower[] = [];
  let done!: () => void;
  const allEnded = new Promise<void>((r) => (done = r));
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < runs; r++) {
    const dir = path.join(root, `run${r}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'record.jsonl');
    fs.writeFileSync(file, '');
    let run: ReturnType<typeof followedRun> | undefined;
    const f = new RecordFollower(file, {
      line: (l) => {
        if (l.t === 'run') run = followedRun(l, plan);
        const e = run?.event(l);
        if (e) applyEvent(run!.state, e);
        lines++;
        // Sampled: the time from the writer's stamp to the state holding it.
        if ('i' in l && lines % 10 === 0) latencies.push(Date.now() - l.at);
        if (l.t === 'end' && ++ended === runs) done();
      },
      problem: (m, fatal) => {
        if (fatal) throw new Error(m);
      },
    });
    f.start();
    followers.push(f);
    children.push(spawn(process.execPath, ['-e', WRITER, writer, dir, JSON.stringify(header), String(cells), String(batch), String(everyMs)], { stdio: 'inherit' }));
  }
  const t0 = Date.now();
  await allEnded;
  const wall = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const f of followers) f.stop();
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
  fs.rmSync(root, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const perLine = ((cpu.user + cpu.system) / lines);
  return {
    runs,
    'cells each': cells,
    'lines followed': lines,
    'lines/s written': Math.round(lines / (wall / 1000)),
    'to state p50 ms': percentile(latencies, 50),
    'to state p95 ms': percentile(latencies, 95),
    'to tree p95 ms (+100 refresh)': percentile(latencies, 95) + 100,
    'target p95 ms': 500,
    'follower CPU µs/line': Math.round(perLine * 10) / 10,
    'follower CPU % of a core': Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
  };
}

export async function benchAttach(): Promise<void> {
  const rows = [await followRuns(1, 20_000, 30, 10), await followRuns(10, 20_000, 30, 10)];
  printTable('Following runs through their records (writers are other processes; the tree adds its refresh, at most every 100 ms)', rows);
}
