import { encodeEnvVars, type DheQuerySpec } from './querySpec';
import type { PlainEditableQueryInfo } from './api';

/** The JS API's query config for a cell, exactly the fields `shared/reference/dhe-api.md` lists. */
export function toDheQuery(spec: DheQuerySpec, owner: string): PlainEditableQueryInfo {
  return {
    serial: null,
    name: spec.name,
    type: spec.type,
    owner,
    enabled: spec.enabled,
    dbServerName: spec.serverName,
    heapSize: spec.heapSizeGb,
    dataMemoryRatio: spec.dataMemoryRatio,
    additionalMemory: 0,
    workerKind: spec.workerKind,
    scriptCode: spec.scriptCode,
    scriptLanguage: spec.scriptLanguage,
    scriptPath: null,
    jvmProfile: spec.jvmProfile,
    timeout: spec.timeoutMs,
    restartUsers: spec.restartUsers,
    envVars: encodeEnvVars(spec.envVars),
    jvmArgs: spec.jvmArgs.join(' '),
    typeSpecificFields: Object.keys(spec.typeSpecificFields).length ? spec.typeSpecificFields : null,
    scheduling: spec.scheduling,
    adminGroups: [],
    viewerGroups: [],
    extraClasspaths: '',
    enableGcLogs: true, // as the Python ancestor and @deephaven-enterprise/query-utils default
    replicaCount: 1,
    spareCount: 0,
    assignmentPolicy: null,
    assignmentPolicyParams: null,
    genericWorkerControl: null,
    kubernetesControl: null,
    pythonControl: null,
  };
}
