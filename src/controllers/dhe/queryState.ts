import { markFrom } from '../../plan/mark';
import type { QueryState } from '../controller';
import type { QueryInfo } from './api';
import { phaseOf } from './status';

/** Names the one creation a query came from: a query that lands after its creation was given up is known by it. */
export const CREATION_VAR = 'PQO_CREATION';

export function toState(info: QueryInfo, stopRequested: boolean, prev: QueryState | undefined, vars: ReadonlyMap<string, string> | undefined): QueryState {
  const d = info.designated;
  // Who made it never changes: read once, when the query is first seen.
  const mark = prev ? prev.mark : vars && markFrom(vars);
  const status = String(d?.status ?? info.status ?? '');
  const detail = d?.fullStackTrace || info.fullStackTrace || undefined;
  return {
    serial: String(info.serial),
    name: info.name,
    phase: phaseOf(status, detail, info.type, stopRequested),
    status,
    ...(detail ? { detail } : {}),
    ...(d?.processInfoId || info.processInfoId ? { processInfoId: String(d?.processInfoId ?? info.processInfoId) } : {}),
    ...(d?.workerHost || info.workerHost ? { workerHost: String(d?.workerHost ?? info.workerHost) } : {}),
    ...(mark ? { mark } : {}),
    ...(info.owner ? { owner: String(info.owner) } : {}),
  };
}

