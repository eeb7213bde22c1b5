import type { EnterpriseClient, EnterpriseDhType, PlainEditableQueryInfo, QueryInfo } from '@deephaven-enterprise/jsapi-types';
import type { NodeHttp2gRPCTransport } from '@deephaven/jsapi-nodejs';

type GrpcTransportFactory = ReturnType<typeof NodeHttp2gRPCTransport.createFactory>;

/** `deleteQueries` exists at runtime but is missing from the typings. */
export type DheClient = EnterpriseClient & { deleteQueries(serials: string[]): Promise<void> };
export type { EnterpriseDhType, PlainEditableQueryInfo, QueryInfo };

/**
 * The client's constructor takes options as a second argument on newer servers (those without an Envoy proxy need
 * a gRPC transport, as deephaven/vscode-deephaven passes it); the typings show one argument. Older servers ignore it.
 */
export interface DheClientOptions {
  transportFactory?: GrpcTransportFactory;
}
export type DheClientConstructor = new (websocketUrl: string, options?: DheClientOptions) => DheClient;
