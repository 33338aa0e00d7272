/**
 * The shape of a node's metrics: groups of typed handles, each documented with the exposed name.
 *
 * @module
 */

import type { Registry } from "prom-client";
import type { ProcessStats } from "./process_stats.ts";
import type {
  CounterMetric,
  GaugeMetric,
  LabelledCounterMetric,
  LabelledGaugeMetric,
} from "./handles.ts";

/** Which per-event families exist: Zeek's `Cluster::Telemetry` levels INFO and VERBOSE. */
export type EventTelemetryLevel = "info" | "verbose";

/** Cluster event counters (`src/cluster/Telemetry.cc` in Zeek). */
export interface ClusterMetrics {
  /** `zeek_cluster_core_incoming_events_total{node}` */
  readonly incomingEvents: CounterMetric;
  /** `zeek_cluster_core_outgoing_events_total{node}` */
  readonly outgoingEvents: CounterMetric;
  /** `zeek_cluster_core_verbose_incoming_events_total{handler,node,topic}`; VERBOSE only. */
  readonly verboseIncomingEvents: LabelledCounterMetric<"handler" | "topic"> | undefined;
  /** `zeek_cluster_core_verbose_outgoing_events_total{handler,node,topic}`; VERBOSE only. */
  readonly verboseOutgoingEvents: LabelledCounterMetric<"handler" | "topic"> | undefined;
  /** `zeek_cluster_onloop_queue_blocks_total{node,tag}`; `tag="ZeroMQ"` exists from the start. */
  readonly onloopQueueBlocks: LabelledCounterMetric<"tag">;
  /** `zeek_event_handler_invocations_total{name,node}`: local handler runs by event name. */
  readonly handlerInvocations: LabelledCounterMetric<"name">;
  /** `zcluster_serialization_errors_total{direction,node}`; direction `encode` or `decode`. */
  readonly serializationErrors: LabelledCounterMetric<"direction">;
  /**
   * `zcluster_membership_departed_hellos_total{event,node}`: hellos from node ids that had already
   * unsubscribed, `held` (no node_up for a node already gone) and `expired` (dropped).
   */
  readonly departedHellos: LabelledCounterMetric<"event">;
}

/** This node's own ZeroMQ sockets (`src/cluster/backend/zeromq/ZeroMQ.cc` in Zeek). */
export interface ZeroMqMetrics {
  /** `zeek_cluster_zeromq_xpub_drops_total{node}`: publishes dropped at the XPUB high-water mark. */
  readonly xpubDrops: CounterMetric;
  /** `zeek_cluster_zeromq_onloop_drops_total{node}`: received events dropped, inbound queue full. */
  readonly onloopDrops: CounterMetric;
  /** `zeek_cluster_zeromq_msg_errors_total{node}`: messages with the wrong number of parts. */
  readonly msgErrors: CounterMetric;
  /** Connections refused by CURVE (zcluster). */
  readonly curveRejected: CounterMetric;
  /** `zcluster_zeromq_messages_received_total{node}` */
  readonly messagesReceived: CounterMetric;
  /** `zcluster_zeromq_messages_sent_total{node}` */
  readonly messagesSent: CounterMetric;
  /** `zcluster_zeromq_bytes_received_total{node}` */
  readonly bytesReceived: CounterMetric;
  /** `zcluster_zeromq_bytes_sent_total{node}` */
  readonly bytesSent: CounterMetric;
}

/**
 * The XPUB/XSUB proxy the manager runs: `zeek_cluster_zeromq_proxy_<side>_<what>_<dir>_total{node}`.
 * The frontend is the XSUB side nodes publish into, the backend the XPUB side they subscribe on.
 */
export interface ProxyMetrics {
  /** XSUB side, messages received from publishers. */
  readonly frontendMessagesReceived: CounterMetric;
  /** XSUB side, bytes received from publishers. */
  readonly frontendBytesReceived: CounterMetric;
  /** XSUB side, messages sent upstream (subscriptions). */
  readonly frontendMessagesSent: CounterMetric;
  /** XSUB side, bytes sent upstream. */
  readonly frontendBytesSent: CounterMetric;
  /** XPUB side, messages received (subscriptions). */
  readonly backendMessagesReceived: CounterMetric;
  /** XPUB side, bytes received. */
  readonly backendBytesReceived: CounterMetric;
  /** XPUB side, messages sent to subscribers. */
  readonly backendMessagesSent: CounterMetric;
  /** XPUB side, bytes sent to subscribers. */
  readonly backendBytesSent: CounterMetric;
}

/** Label names of Zeek's per-writer log counters. */
export type LogWriterLabel = "filter_name" | "module" | "path" | "stream" | "writer";

/** Log streams and writers (`src/logging/Manager.cc` in Zeek). */
export interface LogMetrics {
  /** `zeek_log_stream_writes_total{module,node,stream}`, e.g. module `Cluster`, stream `Cluster::LOG`. */
  readonly streamWrites: LabelledCounterMetric<"module" | "stream">;
  /** `zeek_log_writer_writes_total{filter_name,module,node,path,stream,writer}` */
  readonly writerWrites: LabelledCounterMetric<LogWriterLabel>;
  /** `zeek_log_writer_discarded_writes_total{...same}`: writes discarded for size limits. */
  readonly writerDiscardedWrites: LabelledCounterMetric<LogWriterLabel>;
  /** `zcluster_log_queue_drops_total{node}`: writes dropped because the queue to loggers was full. */
  readonly queueDrops: CounterMetric;
  /**
   * `zcluster_log_delivery_batches_total{node,event}`: reliable log delivery. Senders count
   * `sent`, `acked`, `resent`, `evicted` (resend buffer full) and `unconfirmed` (a logger that
   * never acknowledges); loggers count `written` and `duplicate` (a copy not written again).
   */
  readonly deliveryBatches: LabelledCounterMetric<"event">;
}

/** Data stores. `broker_store_*` mirror Broker's families, which carry no `node` label. */
export interface StoreMetrics {
  /** `zeek_broker_stores{node}`: stores (masters and clones) open on this node. */
  readonly stores: GaugeMetric;
  /** `zeek_broker_pending_queries{node}`: store queries awaiting an answer. */
  readonly pendingQueries: GaugeMetric;
  /** `broker_store_entries{name}` */
  readonly entries: LabelledGaugeMetric<"name">;
  /** `broker_store_processed_updates_total{name}`: updates applied. */
  readonly processedUpdates: LabelledCounterMetric<"name">;
  /** `zcluster_store_operations_total{name,node,op}`; op e.g. `put`, `get`, `erase`. */
  readonly operations: LabelledCounterMetric<"name" | "op">;
  /** `zcluster_store_errors_total{code,name,node}`; code is Broker's error name. */
  readonly errors: LabelledCounterMetric<"code" | "name">;
  /** `zcluster_store_clone_lag_seconds{name,node}`: age of the newest master update a clone applied. */
  readonly cloneLagSeconds: LabelledGaugeMetric<"name">;
}

/** WebSocket API clients. Zeek's event counters count from the client backend's point of view. */
export interface WebSocketMetrics {
  /** `zcluster_websocket_clients{node}`: clients connected now. */
  readonly clients: GaugeMetric;
  /** `zeek_cluster_websocket_incoming_events_total{app,node}`: events delivered to clients. */
  readonly incomingEvents: LabelledCounterMetric<"app">;
  /** `zeek_cluster_websocket_outgoing_events_total{app,node}`: events clients published. */
  readonly outgoingEvents: LabelledCounterMetric<"app">;
  /** `zcluster_websocket_messages_total{direction,node}`; direction `received` or `sent`. */
  readonly messages: LabelledCounterMetric<"direction">;
  /** `zcluster_websocket_errors_total{code,node}`; code as in the error message sent. */
  readonly errors: LabelledCounterMetric<"code">;
  /** `zcluster_websocket_overflows_total{node}`: clients dropped for a full outbound buffer. */
  readonly overflows: CounterMetric;
}

/** Process metrics, read from `/proc/self` at each scrape. */
export interface ProcessMetrics {
  /** `process_cpu_user_seconds_total{node}` */
  readonly cpuUserSeconds: CounterMetric;
  /** `process_cpu_system_seconds_total{node}` */
  readonly cpuSystemSeconds: CounterMetric;
  /** `process_resident_memory_bytes{node}` */
  readonly residentMemoryBytes: GaugeMetric;
  /** `process_virtual_memory_bytes{node}` */
  readonly virtualMemoryBytes: GaugeMetric;
  /** `process_open_fds{node}` */
  readonly openFds: GaugeMetric;
  /** `process_start_time_seconds{node}` */
  readonly startTimeSeconds: GaugeMetric;
}

/**
 * Plain numbers a module owns (e.g. a transport's `stats`), by key; see `NodeMetrics.addSource`.
 * Counter keys must be cumulative; gauge keys (`websocketClients`, `stores`, `storePendingQueries`)
 * are current levels.
 */
export interface ScalarReadings {
  /** Events handled (counter). */
  readonly clusterIncomingEvents?: number;
  /** Events published (counter). */
  readonly clusterOutgoingEvents?: number;
  /** Messages the XPUB socket dropped (counter). */
  readonly zeromqXpubDrops?: number;
  /** Messages dropped by the on-loop queue (counter). */
  readonly zeromqOnloopDrops?: number;
  /** Messages that failed to decode (counter). */
  readonly zeromqMsgErrors?: number;
  /** CURVE handshakes rejected (counter). */
  readonly zeromqCurveRejected?: number;
  /** ZeroMQ messages received (counter). */
  readonly zeromqMessagesReceived?: number;
  /** ZeroMQ messages sent (counter). */
  readonly zeromqMessagesSent?: number;
  /** ZeroMQ bytes received (counter). */
  readonly zeromqBytesReceived?: number;
  /** ZeroMQ bytes sent (counter). */
  readonly zeromqBytesSent?: number;
  /** Proxy XSUB side, messages received (counter). */
  readonly proxyFrontendMessagesReceived?: number;
  /** Proxy XSUB side, bytes received (counter). */
  readonly proxyFrontendBytesReceived?: number;
  /** Proxy XSUB side, messages sent (counter). */
  readonly proxyFrontendMessagesSent?: number;
  /** Proxy XSUB side, bytes sent (counter). */
  readonly proxyFrontendBytesSent?: number;
  /** Proxy XPUB side, messages received (counter). */
  readonly proxyBackendMessagesReceived?: number;
  /** Proxy XPUB side, bytes received (counter). */
  readonly proxyBackendBytesReceived?: number;
  /** Proxy XPUB side, messages sent (counter). */
  readonly proxyBackendMessagesSent?: number;
  /** Proxy XPUB side, bytes sent (counter). */
  readonly proxyBackendBytesSent?: number;
  /** Log records dropped by a full queue (counter). */
  readonly logQueueDrops?: number;
  /** Connected WebSocket clients (gauge). */
  readonly websocketClients?: number;
  /** WebSocket outbound queue overflows (counter). */
  readonly websocketOverflows?: number;
  /** Stores of the node (gauge). */
  readonly stores?: number;
  /** Store queries waiting for an answer (gauge). */
  readonly storePendingQueries?: number;
}

/** Every metric of one node, plus its registry. */
export interface NodeMetrics {
  /**
   * The node's own prom-client registry; serve it with `createMetricsApp()`, or read the
   * Prometheus text with `await registry.metrics()`. Left out of the generated docs (`@ignore`):
   * its type is prom-client's `Registry`, whose API is documented by prom-client.
   *
   * @ignore
   */
  readonly registry: Registry;
  /** The node name, the value of every `node` label. */
  readonly node: string;
  /** Event counters (`zeek_cluster_core_*`). */
  readonly cluster: ClusterMetrics;
  /** ZeroMQ backend counters. */
  readonly zeromq: ZeroMqMetrics;
  /** Present only on the node that runs the XPUB/XSUB proxy (by default the manager). */
  readonly proxy: ProxyMetrics | undefined;
  /** Log stream and writer counters. */
  readonly logs: LogMetrics;
  /** Data store counters and gauges. */
  readonly stores: StoreMetrics;
  /** WebSocket API counters and gauges. */
  readonly websocket: WebSocketMetrics;
  /** Process gauges (`process_*`). */
  readonly process: ProcessMetrics;
  /**
   * Counts one event received from the cluster: the core counter and, at VERBOSE, the
   * per-handler counter with a normalised topic.
   */
  recordIncomingEvent(handler: string, topic: string): void;
  /** Counts one event published to the cluster (see `recordIncomingEvent`). */
  recordOutgoingEvent(handler: string, topic: string): void;
  /**
   * Registers a source of plain numbers read at each scrape, so the owner needs no prom-client
   * import. Keys it returns add to the matching metric; disposing it keeps counters' last values.
   * `read` is called once per key at each scrape and by each `get()`, so keep it cheap and pure.
   */
  addSource(read: () => ScalarReadings): Disposable;
}

/** Helper type: the process statistics reader `createNodeMetrics()` can be given. */
export type ProcessStatsReader = () => ProcessStats;
