import { createHash, randomBytes } from 'node:crypto';
import { isSecretName } from '../../config/types';
import type { Plan } from '../../plan/plan';
import { cellSpec } from '../../plan/cellSpec';
import { dheQuerySpec, rangeScheduling, type DheQuerySpec } from './querySpec';

const BEGIN = 'PQO_CHECK_BEGIN';
const END = 'PQO_CHECK_END';
/** JVM properties the orchestrator sets for replay; the probe reports those it sees. */
const PROPERTY_PREFIXES = ['PeriodicUpdateGraph.', 'ReplayDatabase.'];
/** How long the replay probe watches the replay clock, in wall seconds, to measure its speed. */
const CLOCK_WATCH_S = 2;

/** What a probe is told: the variables to report, which of them are secret (reported as a digest), and whether to read the replay clock. */
export interface ProbeAsk {
  names: string[];
  secret: string[];
  /** Salt of the secrets' digests, new for every check. */
  nonce: string;
  replay: boolean;
}

/** What a probe saw. A secret variable's value is `sha256:<16 hex>` of the nonce and the value, never the value. */
export interface ProbeReport {
  env: Record<string, string | null>;
  props: Record<string, string>;
  /** The replay clock as the worker read it: its date, time of day in the server's zone, and speed against the wall clock. */
  clock?: { today: string; time: string; zone: string; speed: number };
}

/** The digest a probe reports for a secret variable: what the server keeps in its logs is never the value. */
export function secretDigest(nonce: string, value: string): string {
  return `sha256:${createHash('sha256').update(nonce + value, 'utf8').digest('hex').slice(0, 16)}`;
}

/**
 * The probe's script: it reads its environment, JVM properties and (replay) the replay clock, and reports them in the
 * message of the exception it raises, because the JS API returns a query's stack trace but not its printed output. A
 * probe therefore ends Failed by design; the report is what counts. The server keeps that message in its logs after
 * the query is deleted, so a secret variable is reported as a salted digest.
 */
export function probeScript(language: DheQuerySpec['scriptLanguage'], ask: ProbeAsk): string {
  // Single-quoted in both languages: no interpolation; the JSON holds variable names, hex and booleans only.
  const config = `'${JSON.stringify(ask).replace(/\\/g, '\\\\').replace(/'/g, '\\u0027')}'`;
  const prefixes = JSON.stringify(PROPERTY_PREFIXES);
  if (language === 'Groovy') {
    const dt = 'io.deephaven.time.DateTimeUtils';
    return [
      `def pqo = new groovy.json.JsonSlurper().parseText(${config})`,
      'def pqoEnv = { k -> def v = System.getenv(k); (v == null || !pqo.secret.contains(k)) ? v : "sha256:" + java.security.MessageDigest.getInstance("SHA-256").digest((pqo.nonce + v).getBytes("UTF-8")).encodeHex().toString().substring(0, 16) }',
      `def pqoProps = System.getProperties().findAll { k, v -> ${prefixes}.any { p -> k.toString().startsWith(p) } }.collectEntries { k, v -> [(k.toString()): v.toString()] }`,
      'def pqoSeen = [env: pqo.names.collectEntries { [(it): pqoEnv(it)] }, props: pqoProps]',
      `if (pqo.replay) { def tz = ${dt}.timeZone(); long w0 = System.nanoTime(); def a = ${dt}.now(); Thread.sleep(${CLOCK_WATCH_S * 1000}); def b = ${dt}.now(); double w = (System.nanoTime() - w0) / 1e9; pqoSeen.clock = [today: ${dt}.today(), time: a.atZone(tz).toLocalTime().toString(), zone: tz.toString(), speed: (b.toEpochMilli() - a.toEpochMilli()) / 1000.0 / w] }`,
      `throw new RuntimeException("${BEGIN}" + groovy.json.JsonOutput.toJson(pqoSeen) + "${END}")`,
      '',
    ].join('\n');
  }
  return [
    'import os, json, jpy, hashlib, time',
    `_pqo = json.loads(${config})`,
    '_pqo_props = jpy.get_type("java.lang.System").getProperties()',
    'def _pqo_env(k):',
    '    v = os.environ.get(k)',
    '    return v if v is None or k not in _pqo["secret"] else "sha256:" + hashlib.sha256((_pqo["nonce"] + v).encode("utf-8")).hexdigest()[:16]',
    `_pqo_seen = {"env": {k: _pqo_env(k) for k in _pqo["names"]}, "props": {str(k): str(_pqo_props.getProperty(str(k))) for k in _pqo_props.stringPropertyNames().toArray() if str(k).startswith(tuple(${prefixes}))}}`,
    'if _pqo["replay"]:',
    '    from deephaven.time import dh_now, dh_today, dh_time_zone',
    '    _pqo_w, _pqo_a = time.monotonic(), dh_now()',
    `    time.sleep(${CLOCK_WATCH_S})`,
    '    _pqo_b, _pqo_w = dh_now(), time.monotonic() - _pqo_w',
    '    _pqo_seen["clock"] = {"today": dh_today(), "time": str(_pqo_a.atZone(dh_time_zone()).toLocalTime()), "zone": str(dh_time_zone()), "speed": (_pqo_b.toEpochMilli() - _pqo_a.toEpochMilli()) / 1000.0 / _pqo_w}',
    `raise RuntimeError("${BEGIN}" + json.dumps(_pqo_seen) + "${END}")`,
    '',
  ].join('\n');
}

/**
 * The probe's report out of a stack trace, or undefined when the trace does not hold one. A trace may also quote the
 * script's raising line, so only a marker followed by a JSON object counts.
 */
export function parseProbeReport(trace: string): ProbeReport | undefined {
  let found: ProbeReport | undefined;
  for (const m of trace.matchAll(new RegExp(`${BEGIN}(\\{[\\s\\S]*?\\})${END}`, 'g'))) {
    try {
      const parsed = JSON.parse(m[1]) as Partial<ProbeReport>;
      found = { env: parsed.env ?? {}, props: parsed.props ?? {}, ...(parsed.clock ? { clock: parsed.clock } : {}) };
    } catch {
      // not the report: keep looking
    }
  }
  return found;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/**
 * The probe queries: the first cell's settings run once as a short RunAndDone; for a replay config also as the
 * ReplayScript a cell is (its replay date, start, speed and scheduling), which reads the replay clock.
 */
export function probeSpecs(plan: Plan, now: Date, nonce = randomBytes(8).toString('hex')): { spec: DheQuerySpec; ask: ProbeAsk }[] {
  const base = dheQuerySpec(cellSpec(plan, plan.cells[0]), now);
  const names = Object.keys(base.envVars);
  // Secret by the config's rule: by its name, or because its value holds a secret (a `${VAR}` of a secret variable).
  const secrets = plan.config.secrets.filter(Boolean);
  const secret = names.filter((n) => isSecretName(n) || secrets.some((v) => String(base.envVars[n]).includes(v)));
  const ask = (replay: boolean): ProbeAsk => ({ names, secret, nonce, replay });
  const name = `pq_check_${plan.name}_${stamp(now)}`;
  const batch: DheQuerySpec = {
    ...base,
    name,
    type: 'RunAndDone',
    scriptCode: probeScript(base.scriptLanguage, ask(false)),
    timeoutMs: 5 * 60_000,
    typeSpecificFields: {},
    scheduling: rangeScheduling(now, 5),
    envVars: { ...base.envVars, QUERY_NAME: name },
  };
  const probes = [{ spec: batch, ask: ask(false) }];
  if (base.type === 'ReplayScript') {
    const replayName = `${name}_replay`;
    probes.push({ spec: { ...base, name: replayName, scriptCode: probeScript(base.scriptLanguage, ask(true)), envVars: { ...base.envVars, QUERY_NAME: replayName } }, ask: ask(true) });
  }
  return probes;
}

/** The first probe (the RunAndDone one). */
export function probeSpec(plan: Plan, now: Date): DheQuerySpec {
  return probeSpecs(plan, now)[0].spec;
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

function show(secret: boolean, value: string | null | undefined): string {
  if (value === null || value === undefined) return '(not set)';
  return secret ? '(set, hidden)' : JSON.stringify(value);
}

const seconds = (hms: string): number => hms.split(':').reduce((s, p) => s * 60 + Number(p), 0);

/** What the probe saw against what was sent: the report's lines and the mismatches. */
export function compareProbe(spec: DheQuerySpec, ask: ProbeAsk, seen: ProbeReport): { lines: string[]; mismatches: string[] } {
  const lines: string[] = [];
  const mismatches: string[] = [];
  const row = (ok: boolean, text: string, sent?: string) => lines.push(`    ${ok ? 'ok      ' : 'MISMATCH'}  ${text}${ok || sent === undefined ? '' : ` (sent ${sent})`}`);
  lines.push('  environment the worker saw:');
  for (const [name, sent] of Object.entries(spec.envVars)) {
    const got = seen.env[name];
    // A secret is compared by its digest: the worker reported no value.
    const secret = ask.secret.includes(name);
    const ok = secret ? got === secretDigest(ask.nonce, sent) : got === sent;
    const saw = secret && got ? 'a different value' : show(secret, got);
    row(ok, `${name}=${ok ? show(secret, sent) : saw}`, show(secret, sent));
    if (!ok) mismatches.push(`environment variable ${name}: the worker saw ${saw}, the orchestrator sent ${show(secret, sent)}`);
  }
  const want = expectedProps(spec.jvmArgs);
  if (Object.keys(want).length || Object.keys(seen.props).length) {
    lines.push('  replay settings (JVM properties) the worker saw:');
    for (const [k, v] of Object.entries(want)) {
      const ok = seen.props[k] === v;
      row(ok, `${k}=${seen.props[k] ?? '(not set)'}`, v);
      if (!ok) mismatches.push(`JVM property ${k}: the worker saw ${seen.props[k] ?? '(not set)'}, the orchestrator sent ${v}`);
    }
    for (const [k, v] of Object.entries(seen.props)) if (!(k in want)) lines.push(`    server    ${k}=${v}`);
  } else lines.push('  replay settings: none sent, none seen');
  if (ask.replay) compareClock(spec, seen, lines, mismatches, row);
  return { lines, mismatches };
}

function compareClock(spec: DheQuerySpec, seen: ProbeReport, lines: string[], mismatches: string[], row: (ok: boolean, text: string, sent?: string) => void): void {
  const f = spec.typeSpecificFields;
  const date = f.ReplayDate?.value ?? '';
  const start = f.ReplayStart?.value ?? '';
  const speed = Number(f.ReplaySpeed?.value ?? '1');
  const c = seen.clock;
  lines.push('  replay clock the worker saw (ReplayScript):');
  if (!c) {
    row(false, 'no replay clock reported');
    mismatches.push('the replay probe did not report its replay clock');
    return;
  }
  const dateOk = c.today === date;
  row(dateOk, `date ${c.today}`, date);
  if (!dateOk) mismatches.push(`replay date: the worker's clock says ${c.today}, the orchestrator sent ReplayDate ${date}`);
  // The script runs once the worker is up, so its clock is at or a little after the start: at most 15 replay minutes.
  const late = seconds(c.time.slice(0, 8)) - seconds(start);
  const startOk = late >= 0 && late <= 15 * 60 * Math.max(1, speed);
  row(startOk, `time ${c.time.slice(0, 12)} (${c.zone})`, `ReplayStart ${start}`);
  if (!startOk) mismatches.push(`replay start: the worker's clock read ${c.time.slice(0, 8)} (${c.zone}) as its script ran, the orchestrator sent ReplayStart ${start}`);
  const speedOk = Math.abs(c.speed - speed) <= 0.25 * speed;
  row(speedOk, `speed ${c.speed.toFixed(2)}× (measured over ${CLOCK_WATCH_S} s)`, `ReplaySpeed ${speed}`);
  if (!speedOk) mismatches.push(`replay speed: the worker's clock ran at ${c.speed.toFixed(2)}×, the orchestrator sent ReplaySpeed ${speed}`);
}
