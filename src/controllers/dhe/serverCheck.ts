import type { Plan } from '../../plan/plan';
import type { DheQuerySpec } from './querySpec';
import { compareProbe, parseProbeReport, probeSpecs, type ProbeAsk } from './probe';
import { redact } from '../../util/redact';
import type { OpenOptions } from '../options';
import type { QueryInfo } from './api';
import { withTimeout } from '../../util/timeout';
import { loginDhe, type DheSession } from './login';
import { fitChecks, readServerOffer, type ServerOffer } from './serverOffer';
import { toDheQuery } from './queryInfo';
import { phaseOf } from './status';
import { isFinal } from '../controller';

/** What `--check-server` found: the report's text and every mismatch (empty when the server fits the config). */
export interface ServerCheckReport {
  text: string;
  mismatches: string[];
  /** False when it never got to compare anything (no connection or no login). */
  connected?: boolean;
}

export interface ServerCheckOptions extends OpenOptions {
  /** Create the probe query (default true). */
  probe?: boolean;
  /** How long to wait for the probe to end. */
  probeWaitMs?: number;
  now?: Date;
}

/**
 * Logs in as the config says, lists what the server offers, checks the config's choices against it and (unless
 * told not to) runs one probe query that reports the environment and replay settings a worker really sees.
 */
export async function checkServer(plan: Plan, options: ServerCheckOptions): Promise<ServerCheckReport> {
  const lines: string[] = [];
  const mismatches: string[] = [];
  const out = (s = '') => lines.push(s);
  const dh = plan.config.deephaven!;
  out(`Deephaven server check for ${plan.name} (${plan.config.file})`);
  out();
  let session: DheSession;
  try {
    session = await loginDhe(plan.config, options);
  } catch (e) {
    const m = (e as Error).message;
    out(`Connection  FAILED: ${m}`);
    mismatches.push(m);
    out();
    out('Result: could not connect or log in, so nothing was checked (see above).');
    return { text: redact(lines.join('\n'), plan.config.secrets), mismatches: mismatches.map((x) => redact(x, plan.config.secrets)), connected: false };
  }
  try {
    const { client, serverUrl, owner, t } = session;
    out(`Server      ${serverUrl.origin}`);
    out(`JS API      ${new URL('irisapi/irisapi.nocache.js', serverUrl)} (loaded)`);
    out(`Logged in   ${dh.username} (${dh.auth_method}); queries are created as ${owner}`);
    const offer: ServerOffer = await readServerOffer(client, plan, t);
    if (offer.about) {
      const a = offer.about;
      out(`Version     ${a.version || 'not stated'}${a.vcsVersion ? ` (${a.vcsVersion})` : ''}${a.javaVersion ? `, Java ${a.javaVersion}` : ''}${a.systemName ? `, system ${a.systemName}` : ''}${a.hostName ? ` on ${a.hostName}` : ''}`);
    } else out('Version     not stated (getServerConfigValues did not answer)');
    out();
    out('Query servers');
    for (const s of offer.servers) out(`  ${s.name.padEnd(20)} ${(s.type || 'server').toLowerCase().padEnd(7)} maximum heap ${s.maxHeapGb} GB`);
    out(`Worker kinds  ${offer.workerKinds.join(', ') || 'not stated'}`);
    out(`JVM profiles  ${offer.jvmProfiles.join(', ') || 'not stated'}`);
    out(`Query types   ${offer.queryTypes.join(', ')}`);
    out();
    out('This config on this server');
    for (const c of fitChecks(offer, plan)) {
      out(`  ${c.ok ? 'ok      ' : 'MISMATCH'}  ${c.what}${c.problem ? `: ${c.problem}` : ''}`);
      if (c.problem) mismatches.push(c.problem);
    }
    out();
    if (options.probe === false) out('Probe query skipped (--no-probe-query).');
    else if (mismatches.length) out('Probe query skipped: the config does not fit this server (see above).');
    else for (const p of probeSpecs(plan, options.now ?? new Date())) await probe(session, p.spec, p.ask, options, out, mismatches);
  } catch (e) {
    const m = session.clean(e);
    out(`FAILED: ${m}`);
    mismatches.push(m);
  } finally {
    session.release();
  }
  return finish(plan, lines, mismatches);
}

function finish(plan: Plan, lines: string[], mismatches: string[]): ServerCheckReport {
  lines.push('');
  if (mismatches.length === 0) lines.push('Result: the server accepts this config, and a worker sees what the orchestrator sends.');
  else {
    lines.push(`Result: ${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}:`);
    for (const m of mismatches) lines.push(`  - ${m}`);
  }
  const secrets = plan.config.secrets;
  return { text: redact(lines.join('\n'), secrets), mismatches: mismatches.map((m) => redact(m, secrets)) };
}

async function probe(session: DheSession, spec: DheQuerySpec, ask: ProbeAsk, options: ServerCheckOptions, out: (s?: string) => void, mismatches: string[]): Promise<void> {
  const { client, owner, t } = session;
  out(`Probe query ${spec.name} (${spec.type})`);
  const serial = String(await withTimeout(client.createQuery(toDheQuery(spec, owner)), t.createMs, `createQuery ${spec.name}`));
  out(`  created, serial ${serial}`);
  let info: QueryInfo | undefined;
  const deadline = Date.now() + (options.probeWaitMs ?? 180_000);
  try {
    for (;;) {
      info = client.getKnownConfigs().find((q) => String(q.serial) === serial);
      const status = String(info?.designated?.status ?? info?.status ?? '');
      if (isFinal(phaseOf(status, undefined, spec.type, false))) break;
      if (Date.now() > deadline) {
        const m = `the probe query did not end within ${Math.round((options.probeWaitMs ?? 180_000) / 1000)} s (last status ${status || 'unknown'})`;
        out(`  ${m}`);
        mismatches.push(m);
        await withTimeout(client.stopQueries([serial]), t.callMs, 'stopQueries').catch(() => undefined);
        return;
      }
      if (options.signal?.aborted) throw new Error('cancelled');
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = String(info?.designated?.status ?? info?.status);
    const trace = String(info?.designated?.fullStackTrace || info?.fullStackTrace || '');
    const seen = parseProbeReport(trace);
    if (!seen) {
      out(`  ended ${status} without the probe's report`);
      if (trace) for (const l of trace.split('\n').slice(0, 12)) out(`    ${l}`);
      mismatches.push(`the probe query ended ${status} without reporting what it saw${trace ? `: ${trace.split('\n').filter(Boolean).pop()}` : ''}`);
      return;
    }
    out(`  ended ${status}, as designed: it reports through the message of the exception it raises`);
    const compared = compareProbe(spec, ask, seen);
    compared.lines.forEach((l) => out(l));
    mismatches.push(...compared.mismatches);
  } finally {
    await withTimeout(client.deleteQueries([serial]), t.callMs, 'deleteQueries').then(
      () => out('  deleted'),
      (e) => {
        const m = `could not delete the probe query ${spec.name} (serial ${serial}): ${session.clean(e)}; delete it in the Query Monitor`;
        out(`  ${m}`);
        mismatches.push(m);
      },
    );
  }
}
