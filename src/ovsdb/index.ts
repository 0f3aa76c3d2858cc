// OVSDB (RFC 7047) client: JSON-RPC connection, typed operations, schema, replicas.
export { OvsdbClient, OvsdbError, NO_TXN, parseTarget, type OvsdbClientOptions, type MonitorRequest, type TableUpdates, type TableUpdates2 } from './client.ts';
export { Ops, byUuid, type Operation, type Row, type Condition, type Mutation } from './ops.ts';
export { parseSchema, fromWire, toWire, type DatabaseSchema, type TableSchema, type ColumnType } from './schema.ts';
export { Replica, type ReplicaRow, type RowChange } from './replica.ts';
export * from './values.ts';
