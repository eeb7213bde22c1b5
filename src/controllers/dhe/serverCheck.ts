import { isSecretName } from '../../config/types';
import type { Plan } from '../../plan/plan';
import { cellSpec } from '../../plan/cellSpec';
import { dheQuerySpec, rangeScheduling, type DheQuerySpec } from './querySpec';
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

const BEGIN = 'PQO_CHECK_BEGIN';
const END = 'PQO_CHECK_END';
/** JVM properties the orchestrator sets for replay; the probe reports those it sees. */
const PROPERTY_PREFIXES = ['PeriodicUpdateGraph.', 'ReplayDatabase.'];

/**
 * The probe's script: it reads its environment and JVM properties and reports them in the message of the exception
 * it raises, because the JS API returns a query's stack trace but not its printed output. A probe therefore ends
 * Failed by design; the report is what counts.
 */
export function probeScript(language: DheQuerySpec['scriptLanguage'], names: string[]): string {
  const list = JSON.stringify(names);
  const prefixes = JSON.stringify(PROPERTY_PREFIXES);
  if (language === 'Groovy') {
    return [
      `def pqoNames = ${list}`,
      `def pqoProps = System.getProperties().findAll { k, v -> ${prefixes}.any { p -> k.toString().startsWith(p) } }.collectEntries { k, v -> [(k.toString()): v.toString()] }`,
      `def pqoSeen = [env: pqoNames.collectEntries { [(it): System.getenv(it)] }, props: pqoProps]`,
      `throw new RuntimeException("${BEGIN}" + groovy.json.JsonOutput.toJson(pqoSeen) + "${END}")`,
      '',
    ].join('\n');
  }
  return [
    'import os, json, jpy',
    '_pqo_props = jpy.get_type("java.lang.System").getProperties()',
    `_pqo_seen = {"env": {k: os.environ.get(k) for k in ${list}}, "props": {str(k): str(_pqo_props.getProperty(str(k))) for k in _pqo_props.stringPropertyNames().toArray() if str(k).startswith(tuple(${prefixes}))}}`,
    `raise RuntimeError("${BEGIN}" + json.dumps(_pqo_seen) + "${END}")`,
    '',
  ].join('\n');
}

/**
 * The probe's report out of a stack trace, or undefined when the trace does not hold one. A trace may also quote the
 * script's raising line, so only a marker followed by a JSON object counts.
 */
export function parseProbeReport(trace: string): { env: Record<string, string | null>; props: Record<string, string> } | undefined {
  let found: { env: Record<string, string | null>; props: Record<string, string> } | undefined;
  for (const m of trace.matchAll(new RegExp(`${BEGIN}(\\{[\\s\\S]*?\\})${END}`, 'g'))) {
    try {
      const parsed = JSON.parse(m[1]) as { env?: Record<string, string | null>; props?: Record<string, string> };
      found = { env: parsed.env ?? {}, props: parsed.props ?? {} };
    } catch {
      // not the report: keep looking
    }
  }
  return found;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/** The probe query: the first cell's settings, run once as a short RunAndDone with the probe script. */
export function probeSpec(plan: Plan, now: Date): DheQuerySpec {
  const base = dheQuerySpec(cellSpec(plan, plan.cells[0]), now);
  const names = Object.keys(base.envVars);
  return {
    ...base,
    name: `pq_check_${plan.name}_${stamp(now)}`,
    type: 'RunAndDone',
    scriptCode: probeScript(base.scriptLanguage, names),
    timeoutMs: 5 * 60_000,
    typeSpecificFields: {},
    scheduling: rangeScheduling(now, 5),
    envVars: { ...base.envVars, QUERY_NAME: `pq_check_${plan.name}_${stamp(now)}` },
  };
}

/** Expected JVM properties from `-Dkey=value` arguments. */
function expectedProps(jvmArgs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of jvmArgs) {
    const m = /^-D([^=]+)=(.*)$/.exec(a);
    if (m && PROPERTY_PREFIXES.some((p) => m[1].startsWith(p))) out[m[1]] = m[2];
  }
  return out;
}

function show(name: string, value: string | null | undefined): string {
  if (value === null || value === undefined) return '(not set)';
  return isSecretName(name) ? '(set, hidden)' : JSON.stringify(value);
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
    else await probe(session, plan, options, out, mismatches);
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

async function probe(session: DheSession, plan: Plan, options: ServerCheckOptions, out: (s?: string) => void, mismatches: string[]): Promise<void> {
  const { client, owner, t } = session;
  const spec = probeSpec(plan, options.now ?? new Date());
  out(`Probe query ${spec.name}`);
  const serial = String(await withTimeout(client.createQuery(toDheQuery(spec, owner)), t.createMs, `createQuery ${spec.name}`));
  out(`  created, serial ${serial}`);
  let info: QueryInfo | undefined;
  const deadline = Date.now() + (options.probeWaitMs ?? 180_000);
  try {
    for (;;) {
      info = client.getKnownConfigs().find((q) => String(q.serial) === serial);
      const status = String(info?.designated?.status ?? info?.status ?? '');
      if (isFinal(phaseOf(status, undefined, 'RunAndDone', false))) break;
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
    out('  environment the worker saw:');
    for (const [name, sent] of Object.entries(spec.envVars)) {
      const got = seen.env[name];
      const ok = got === sent;
      out(`    ${ok ? 'ok      ' : 'MISMATCH'}  ${name}=${show(name, got)}${ok ? '' : ` (sent ${show(name, sent)})`}`);
      if (!ok) mismatches.push(`environment variable ${name}: the worker saw ${show(name, got)}, the orchestrator sent ${show(name, sent)}`);
    }
    const want = expectedProps(spec.jvmArgs);
    if (Object.keys(want).length || Object.keys(seen.props).length) {
      out('  replay settings (JVM properties) the worker saw:');
      for (const [k, v] of Object.entries(want)) {
        const ok = seen.props[k] === v;
        out(`    ${ok ? 'ok      ' : 'MISMATCH'}  ${k}=${seen.props[k] ?? '(not set)'}${ok ? '' : ` (sent ${v})`}`);
        if (!ok) mismatches.push(`JVM property ${k}: the worker saw ${seen.props[k] ?? '(not set)'}, the orchestrator sent ${v}`);
      }
      for (const [k, v] of Object.entries(seen.props)) if (!(k in want)) out(`    server    ${k}=${v}`);
    } else out('  replay settings: none sent, none seen');
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
