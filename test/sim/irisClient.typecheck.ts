/**
 * Compile-time proof that the simulator's client is the official client as far as the orchestrator uses it: the
 * members it calls (USED) have the official `@deephaven-enterprise/jsapi-types` signatures, and the statics
 * (event names, login types) their literal values. Nothing here runs: if the simulator's client drifts from the
 * typings (a member renamed or missing, another parameter or result type), `tsc` fails on this file. The unit test
 * "the simulator's client is checked against the typings" plants such a drift and sees tsc fail, and checks that
 * USED lists every client member the orchestrator's source calls.
 */
import type { EnterpriseClientStatic } from '@deephaven-enterprise/jsapi-types';
import type { DheClient, DheClientOptions } from '../../src/controllers/dhe/api';
import type { installIris } from './irisClient';

export const USED = [
  'addEventListener', 'removeEventListener', 'challengeResponse', 'createQuery', 'deleteQueries', 'disconnect', 'getChallengeNonce',
  'getDbServers', 'getDbServersForType', 'getJvmProfiles', 'getKnownConfigs', 'getQueryConfigurationTypes', 'getQueryConstants',
  'getServerConfigValues', 'getUserInfo', 'isConnected', 'login', 'restartQueries', 'stopQueries',
] as const;

type Sim = ReturnType<typeof installIris>;
type Assert<T extends U, U> = T;

export type ClientIsTheTypings = Assert<InstanceType<Sim>, Pick<DheClient, (typeof USED)[number]>>;
export type StaticsAreTheTypings = Assert<Sim, EnterpriseClientStatic & (new (websocketUrl: string, options?: DheClientOptions) => unknown)>;
