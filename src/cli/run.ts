import { EXIT } from '../orchestrator/exitCodes';
import type { EngineTiming } from '../orchestrator/engine';
import { eventLine, formatSummary, timestamp } from '../report/events';
import { ProgressLine } from './progress';
import { RunSession } from '../orchestrator/session';
import type { Plan } from '../plan/plan';
import { redact } from '../util/redact';
import type { CliArgs } from './args';
import type { Io } from './io';

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
  const say = (level: string, text: string) => io.err(`[${timestamp(Date.now())}] ${level}: ${redact(text, secrets)}\n`);
  const abort = new AbortController();
  let session: RunSession | undefined;
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (!session) abort.abort(new Error(`${name} received while connecting`));
    else if (signals <= 2) session.engine.cancel();
    else {
      say('ERROR', 'Third shutdown signal: exiting now. The run record can be resumed with --resume.');
      process.exit(EXIT.ERROR);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  try {
    const opened = await RunSession.open(plan, {
      mode: args.resume ? 'resume' : args.rerunFailed ? 'rerun-failed' : 'new',
      runDir: args.runDir,
      signal: abort.signal,
      timing: testTiming(io.env),
      log: (level, message) => {
        if (level !== 'debug' || args.verbose) say(level.toUpperCase(), message);
      },
    });
    if (!(opened instanceof RunSession)) {
      say(opened.level.toUpperCase(), opened.message);
      return opened.exitCode;
    }
    session = opened;
    const total = session.engine.cellCount;
    const state = session.engine.state;
    const progress = !args.json && io.isTTY ? new ProgressLine(state, io.err) : undefined;
    session.engine.on((e) => {
      if (args.json) {
        if (e.type !== 'cell-status' || args.verbose) io.out(redact(JSON.stringify(e), secrets) + '\n');
        return;
      }
      const line = eventLine(e, total, state.created);
      if (line && (line.level !== 'DEBUG' || args.verbose)) {
        progress?.clear();
        say(line.level, line.text);
      }
      progress?.update(e);
    });
    const summary = await session.run();
    progress?.clear();
    if (!args.json) io.err(formatSummary(plan, summary, session.recordFile) + '\n');
    return session.exitCode(summary);
  } finally {
    io.signals.off('SIGINT', onInt);
    io.signals.off('SIGTERM', onTerm);
  }
}
