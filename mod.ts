/**
 * zcluster: Zeek's cluster framework (ZeroMQ backend) as a TypeScript library and one binary per
 * host. This is the surface that site code imports: the layout and options, {@link createNode}
 * and the running node's APIs (events through {@link Cluster}, log streams through
 * {@link LogService}, data stores, the WebSocket API, metrics), topics and pools, the control
 * client, and Broker's data values. Everything else (codecs, file writers, the ZeroMQ socket
 * machinery, formatters of the CLI) is in `internal_mod.ts` and may change in any release.
 *
 * @example
 * ```ts
 * import { nodeTopic, parseLayout, resolveOptions } from "./mod.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * const options = resolveOptions({ layout, node: "manager" });
 * nodeTopic("manager"); // "zeek.cluster.node.manager."
 * ```
 *
 * @module
 */

// Errors and time.
export {
  ControlTimeoutError,
  LayoutError,
  LockHeldError,
  OptionsError,
  SerializationError,
  StoreError,
  TransportClosedError,
} from "./lib/errors.ts";
export { ManualClock, systemClock } from "./lib/clock.ts";
export type { Clock, TimerId, Timers } from "./lib/clock.ts";

// Layout and options.
export {
  defineLayout,
  managerOf,
  NODE_TYPES,
  nodesOfType,
  parseLayout,
  parseLayoutJson,
  validateLayout,
} from "./lib/layout/mod.ts";
export type { ClusterLayout, ClusterNode, NodeType } from "./lib/layout/mod.ts";
export {
  DEFAULT_CLUSTER_OPTIONS,
  DEFAULT_ZEROMQ_OPTIONS,
  getNodeCount,
  localNodeType,
  resolveOptions,
} from "./lib/options/mod.ts";
export type {
  ClusterOptionOverrides,
  ClusterOptions,
  LogFormat,
  LogJsonTimestamps,
  ResolveOptionsInput,
  ZeroMqOptions,
} from "./lib/options/mod.ts";

// The node.
export type { MembershipStats } from "./lib/membership/mod.ts";
export { createNode } from "./lib/node/mod.ts";
export type {
  ConnectNodeHook,
  ConnectTarget,
  NodeDeps,
  NodeStore,
  RunningNode,
} from "./lib/node/mod.ts";
export type {
  StartableTransport,
  TransportFactory,
  TransportSecurity,
} from "./lib/transport/mod.ts";
export { createLogger, LOG_LEVELS, silentLogger } from "./lib/diagnostics/mod.ts";
export type { CreateLoggerOptions, LogFields, Logger, LogLevel } from "./lib/diagnostics/mod.ts";

// Events: the cluster API, topics and pools.
export {
  Cluster,
  CounterMap,
  NODE_DOWN,
  NODE_UP,
  WEBSOCKET_CLIENT_ADDED,
  WEBSOCKET_CLIENT_LOST,
} from "./lib/cluster/mod.ts";
export type {
  AnyEventListener,
  ClusterDeps,
  ClusterStats,
  EndpointInfoValue,
  EventHandler,
  EventInfo,
  KnownEvents,
} from "./lib/cluster/mod.ts";
export {
  broadcastTopics,
  DEFAULT_LOGGER_TOPIC,
  DEFAULT_MANAGER_TOPIC,
  DEFAULT_NODE_TOPIC_PREFIX,
  DEFAULT_NODEID_TOPIC_PREFIX,
  DEFAULT_PROXY_TOPIC,
  DEFAULT_WORKER_TOPIC,
  LOGGER_POOL_TOPIC,
  nodeidTopic,
  nodeTopic,
  poolTopic,
  PROXY_POOL_TOPIC,
  topicMatches,
  typeTopic,
  WORKER_POOL_TOPIC,
} from "./lib/topics/mod.ts";
export type { TopicOptions } from "./lib/topics/mod.ts";
export { ClusterPools, Pool, registerPools } from "./lib/pools/mod.ts";
export type {
  HrwAddrKey,
  HrwKey,
  PoolLayout,
  PoolLayoutEntry,
  PoolMember,
  PoolNodeType,
  PoolOptions,
  PoolSpec,
  RegisterPoolsOptions,
} from "./lib/pools/mod.ts";

// Broker data values.
export {
  addr,
  Address,
  BrokerSet,
  BrokerTable,
  ByteString,
  compareValues,
  Count,
  count,
  EnumValue,
  enumValue,
  Int,
  int,
  interval,
  Port,
  port,
  set,
  Subnet,
  subnet,
  table,
  time,
  Timespan,
  Timestamp,
  valuesEqual,
  valueToString,
} from "./lib/serialization/mod.ts";
export type {
  BrokerValue,
  EventMetadataEntry,
  PortProtocol,
  TableEntry,
  ZeekEvent,
  ZeekParamType,
} from "./lib/serialization/mod.ts";
export type { EventFormat, EventSerializer } from "./lib/serialization/mod.ts";
export { BROKER_BIN_V1, BROKER_JSON_V1 } from "./lib/serialization/mod.ts";

// Logging.
export { createStream } from "./lib/logging/mod.ts";
export type {
  ColumnSpec,
  LogColumns,
  LogField,
  LogPort,
  LogRow,
  LogScalar,
  LogStream,
  LogStreamOptions,
  LogTypeName,
  LogValue,
  PortProto,
  RecordColumnSpec,
  ScalarTypeName,
} from "./lib/logging/mod.ts";
export type {
  CreateStreamOptions,
  LogFilter,
  LogPolicy,
  LogRecord,
  LogService,
  LogServiceStats,
} from "./lib/logging/log_service.ts";

// Data stores.
export type {
  BackendKind,
  BackendOptions,
  InitType,
  SqliteBackendOptions,
  SqliteFailureMode,
  SqliteJournalMode,
  SqliteSynchronous,
  Store,
  StoreCommand,
  StoreInfo,
  StoreInfoOverrides,
  StoreOp,
  StoreRole,
  StoreStats,
  WriteOptions,
} from "./lib/stores/mod.ts";

// Metrics.
export type {
  ClusterMetrics,
  CounterMetric,
  GaugeMetric,
  LabelledCounterMetric,
  LabelledGaugeMetric,
  LabelledValue,
  Labels,
  LogMetrics,
  LogWriterLabel,
  NodeMetrics,
  ProcessMetrics,
  ProxyMetrics,
  ScalarReadings,
  StoreMetrics,
  WebSocketMetrics,
  ZeroMqMetrics,
} from "./lib/metrics/mod.ts";

// The transport contract and the in-process hub. `createNode` builds the ZeroMQ transport (libzmq
// through Deno FFI) by default; `createZeromqTransport` stays in `internal_mod.ts`: its options
// reach the FFI layer's own types (the context, sockets and library handle), which are not promised.
export { createMemoryHub } from "./lib/transport/mod.ts";
export type {
  LogBatch,
  LogTarget,
  MemoryHub,
  MemoryTransportOptions,
  SubscriptionEvent,
  Transport,
  TransportErrorCode,
  TransportHandlers,
  TransportMessage,
  TransportStats,
} from "./lib/transport/mod.ts";

// WebSocket.
export type {
  ClientInfo,
  EventSignatures,
  ListenWebSocketOptions,
  OverflowPolicy,
  ParseLimits,
  SessionOptions,
  SignatureLookup,
  UndeclaredEventPolicy,
  WebSocketServer,
  WebSocketStats,
  WebSocketTlsOptions,
} from "./lib/websocket/mod.ts";

// Control.
export {
  connectControl,
  CONTROL_COMMANDS,
  ControlClient,
  resolveControlOptions,
} from "./lib/control/mod.ts";
export type {
  ControlClientOptions,
  ControlCommand,
  NodeReply,
  NodeStatus,
  RawReply,
  RequestOptions,
  StatusOptions,
  StopResult,
  StopState,
} from "./lib/control/mod.ts";
