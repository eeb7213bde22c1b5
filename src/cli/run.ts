import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../runModel/exitCodes';
import type { EngineTiming } from '../orchestrator/engineOptions';
import { eventLine, formatSummary, timestamp } from '../report/lines';
import { ProgressLine } from './progress';
import { writeReport } from './htmlFile';
import { RunSession } from '../session/session';
import type { Plan } from '../plan/plan';
import { redact } from '../util/redact';
import type { CliArgs } from './args';
import type { Io } from './io';
import { painter, type Painter } from './colour';
import { holdSignals } from './signals';
import type { RunEvent } from '../runModel/events';
import type { LogLevel } from '../util/log';

/** Engine timing overrides for tests, from PQO_TEST_TIMING (JSON); never documented for users. */
function testTiming(env: Io['env']): Partial<EngineTiming> | undefined {
  const raw = env.PQO_TEST_TIMING;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Partial<EngineTiming>;
  } catch {
    return undefined;
  }
}

export async function runOrchestration(plan: Plan, args: CliArgs, io: Io): Promise<number> {
  const secrets = plan.config.secrets;
  const paint = painter(io);
  const say = (level: LogLevel, text: string) => {
    const word = level.toUpperCase();
    io.err(paint.level(word, `[${timestamp(Date.now())}] ${word}: ${text}`) + '\n');
  };
  // --quiet: only errors (and, at the end, the summary).
  const shown = (level: LogLevel) => (level === 'debug' ? args.verbose : !args.quiet || level === 'error');
  const abort = new AbortController();
  const background = io.env.PQO_BACKGROUND === '1';
  let session: RunSession | undefined;
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (!session) abort.abort(new Error(`${name} received while connecting`));
    else if (signals <= 2) session.engine.cancel();
    else {
      say('error', 'Third shutdown signal: exiting now. The run record can be resumed with --resume.');
      process.exit(EXIT.ERROR);
    }
  };
  const held = holdSignals(io, onSignal);
  try {
    const opened = await RunSession.open(plan, {
      mode: args.resume ? 'resume' : args.rerunFailed ? 'rerun-failed' : args.rerunRemaining ? 'rerun-remaining' : 'new',
      runDir: args.runDir,
      signal: abort.signal,
      timing: testTiming(io.env),
      via: background ? 'background' : 'cli',
      log: (level, message) => {
        // Messages of the session and the backend (not run events, masked by the engine): free text, masked here.
        if (shown(level)) say(level, redact(message, secrets));
      },
    });
    if (!(opened instanceof RunSession)) {
      say(opened.level, redact(opened.message, secrets) + (opened.offer === 'rerun-remaining' ? ': pq-orchestrator --rerun-remaining' : ''));
      return opened.exitCode;
    }
    session = opened;
    // Started by "Run in Background": nobody reads this process's terminal; its output goes to its run folder.
    if (background) io = toFile(io, path.join(session.runDir, 'output.log'));
    const recordFile = session.recordFile;
    const total = session.engine.cells.length;
    const state = session.engine.state;
    const progress = !args.json && !args.quiet && io.isTTY ? new ProgressLine(state, io.err, session.timeLeft) : undefined;
    session.engine.on((e) => {
      if (args.json) {
        if (e.type !== 'cell-status' || args.verbose) io.out(JSON.stringify(jsonEvent(e, recordFile)) + '\n');
        return;
      }
      const line = eventLine(e, total, state.created);
      if (line && shown(line.level)) {
        progress?.clear();
        say(line.level, line.text);
      }
      progress?.update(e);
    });
    const summary = await session.run();
    progress?.clear();
    const text = formatSummary(plan, summary, session.recordFile);
    if (!args.json) io.err(paintSummary(text, paint) + '\n');
    if (args.report) {
      const failed = writeReport(args.report, plan, state, summary.runId, text);
      if (failed) {
        // The run stands (its record is written); only the picture is missing: said, and an error exit if none yet.
        io.err(`pq-orchestrator: cannot write the report ${args.report}: ${failed}\n`);
        return session.exitCode(summary) || EXIT.ERROR;
      }
      if (!args.json) io.err(`Report: ${args.report}\n`);
    }
    return session.exitCode(summary);
  } finally {
    held.release();
  }
}

/** The CLI's output appended to `file` instead of a terminal (the file is the run's, beside its record). */
function toFile(io: Io, file: string): Io {
  const fd = fs.openSync(file, 'a', 0o600);
  const write = (t: string) => void fs.writeSync(fd, t);
  return { ...io, out: write, err: write, isTTY: false };
}

/** Version of the `--json` event lines: bumped when a field changes meaning or goes away. */
export const EVENT_SCHEMA_VERSION = 1;

/** An event as a `--json` line: its schema version first; the final event names the run record. */
export function jsonEvent(e: RunEvent, recordFile: string): Record<string, unknown> {
  return { v: EVENT_SCHEMA_VERSION, ...e, ...(e.type === 'run-finished' ? { record: recordFile } : {}) };
}

/** The summary with its failed count in red (when colour is on). */
function paintSummary(text: string, paint: Painter): string {
  return text.replace(/^( {2}failed {8})([1-9]\d*)/m, (_m, head: string, n: string) => head + paint.red(n));
}
