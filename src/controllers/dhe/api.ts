import type { EnterpriseClient, EnterpriseDhType, PlainEditableQueryInfo, QueryInfo } from '@deephaven-enterprise/jsapi-types';

/** `deleteQueries` exists at runtime but is missing from the typings. */
export type DheClient = EnterpriseClient & { deleteQueries(serials: string[]): Promise<void> };
export type { EnterpriseDhType, PlainEditableQueryInfo, QueryInfo };
