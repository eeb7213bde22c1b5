import type { Plan } from '../../plan/plan';
import type { DheClient } from './api';
import { withTimeout } from '../../util/timeout';
import type { DheTiming } from './login';

/** What the server offers that a plan must fit: read once, for the preflight and for --check-server. */
export interface ServerOffer {
  /** Query servers and groups a query may name (AutoQuery always among them). */
  serverNames: string[];
  /** The servers as listed, with each one's maximum heap. */
  servers: { name: string; type: string; maxHeapGb: number }[];
  jvmProfiles: string[];
  workerKinds: string[];
  maxHeapGb: number;
  maxScriptCodeLength: number;
  queryTypes: string[];
  /** From getServerConfigValues, when the server answers it. */
  about?: { version: string; vcsVersion: string; javaVersion: string; hostName: string; systemName: string };
}

export async function readServerOffer(client: DheClient, plan: Plan, t: Pick<DheTiming, 'callMs'>): Promise<ServerOffer> {
  const type = plan.mode === 'replay' ? 'ReplayScript' : 'RunAndDone';
  const [servers, forType, profiles, constants, types, config] = await Promise.all([
    withTimeout(client.getDbServers(), t.callMs, 'getDbServers'),
    withTimeout(client.getDbServersForType(type), t.callMs, 'getDbServersForType').catch(() => []),
    withTimeout(client.getJvmProfiles(), t.callMs, 'getJvmProfiles'),
    withTimeout(client.getQueryConstants(), t.callMs, 'getQueryConstants'),
    withTimeout(client.getQueryConfigurationTypes(), t.callMs, 'getQueryConfigurationTypes'),
    withTimeout(client.getServerConfigValues(), t.callMs, 'getServerConfigValues').catch(() => undefined),
  ]);
  // AutoQuery (the load-balanced default) and server groups are valid names even when a list leaves them out.
  const serverNames = [...new Set(['AutoQuery', ...servers.map((s) => s.name), ...forType.map((s) => s.name)])];
  const listed = [...new Map([...servers, ...forType].map((s) => [s.name, s])).values()];
  return {
    serverNames,
    servers: listed.map((s) => ({ name: s.name, type: String(s.type ?? ''), maxHeapGb: constants.getMaxHeapGbForServer(s.name) })),
    jvmProfiles: [...profiles],
    workerKinds: (config?.workerKinds ?? []).map((k) => k.name),
    maxHeapGb: constants.getMaxHeapGbForServer(plan.config.execution.server_name),
    maxScriptCodeLength: (constants as { maxScriptCodeLength?: number }).maxScriptCodeLength ?? 0,
    queryTypes: [...types.keys()],
    ...(config ? { about: { version: String(config.gradleVersion ?? ''), vcsVersion: String(config.vcsVersion ?? ''), javaVersion: String(config.javaVersion ?? ''), hostName: String(config.hostName ?? ''), systemName: String(config.systemName ?? '') } } : {}),
  };
}

/** One choice of the config against what the server offers. */
export interface FitCheck {
  what: string;
  ok: boolean;
  /** When not ok: the mismatch, one line. */
  problem?: string;
}

/** Each choice of the plan that the server must accept, checked against its offer. */
export function fitChecks(offer: ServerOffer, plan: Plan): FitCheck[] {
  const ex = plan.config.execution;
  const type = plan.mode === 'replay' ? 'ReplayScript' : 'RunAndDone';
  const check = (what: string, ok: boolean, problem: string): FitCheck => (ok ? { what, ok } : { what, ok, problem });
  return [
    check(`execution.server_name ${ex.server_name}`, offer.serverNames.includes(ex.server_name), `execution.server_name "${ex.server_name}" is not a query server or group here (known: ${offer.serverNames.join(', ')})`),
    check(`execution.jvm_profile ${ex.jvm_profile}`, !offer.jvmProfiles.length || offer.jvmProfiles.includes(ex.jvm_profile), `execution.jvm_profile "${ex.jvm_profile}" is not defined on the server (known: ${offer.jvmProfiles.join(', ')})`),
    check(`execution.worker_kind ${ex.worker_kind}`, !offer.workerKinds.length || offer.workerKinds.includes(ex.worker_kind), `execution.worker_kind "${ex.worker_kind}" is not a worker kind of this server (allowed: ${offer.workerKinds.join(', ')})`),
    check(`execution.heap_size_gb ${ex.heap_size_gb} (maximum ${offer.maxHeapGb} GB)`, !Number.isFinite(offer.maxHeapGb) || ex.heap_size_gb <= offer.maxHeapGb, `execution.heap_size_gb ${ex.heap_size_gb} exceeds the server's maximum of ${offer.maxHeapGb} GB for ${ex.server_name}`),
    check(`worker script ${plan.scriptText.length} characters (maximum ${offer.maxScriptCodeLength || 'not stated'})`, !(offer.maxScriptCodeLength > 0) || plan.scriptText.length <= offer.maxScriptCodeLength, `the worker script is ${plan.scriptText.length} characters; the server accepts at most ${offer.maxScriptCodeLength}`),
    check(`query type ${type}`, offer.queryTypes.includes(type), `the server does not allow ${type} queries for this user (allowed: ${offer.queryTypes.join(', ')})`),
  ];
}

/** Where the plan does not fit what the server offers, one line each (empty when it fits). */
export function planMismatches(offer: ServerOffer, plan: Plan): string[] {
  return fitChecks(offer, plan).flatMap((c) => (c.problem ? [c.problem] : []));
}
