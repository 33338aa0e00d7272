/**
 * `createNodeMetrics()`: one prom-client `Registry` per node holding every family zcluster
 * exposes. Names, types and label sets follow Zeek 8.2 wherever Zeek has the concept (checked
 * against real Zeek 8.2.2 scrapes); zcluster-only concepts use the `zcluster_` prefix. Every
 * series carries `node`, except the families Zeek's libraries register without it (`broker_*`).
 *
 * @module
 */

import { Registry } from "prom-client";
import {
  _counter,
  _gauge,
  type _HandleContext,
  _labelledCounter,
  _labelledGauge,
} from "./_handles.ts";
import type { CounterMetric, GaugeMetric } from "./handles.ts";
import type { NodeType } from "../layout/mod.ts";
import { processStatsReader } from "./process_stats.ts";
import { normalizeTelemetryTopic } from "./topic_normalization.ts";
import type {
  ClusterMetrics,
  EventTelemetryLevel,
  LogMetrics,
  NodeMetrics,
  ProcessMetrics,
  ProcessStatsReader,
  ProxyMetrics,
  ScalarReadings,
  StoreMetrics,
  WebSocketMetrics,
  ZeroMqMetrics,
} from "./types.ts";

/** Options of `createNodeMetrics()`. */
export interface NodeMetricsOptions {
  /** Node name from the layout; the value of every `node` label. */
  readonly node: string;
  /** The node's type from the layout; exposed lower-case in `zcluster_version_info{node_type}`. */
  readonly nodeType: NodeType;
  /** zcluster's version (semver), exposed by `zeek_version_info` and `zcluster_version_info`. */
  readonly version: string;
  /** Registry to fill; a fresh `new Registry()` by default (never the global one). */
  readonly registry?: Registry;
  /** Per-event families to register; default `"verbose"` (Zeek's default is INFO). */
  readonly eventTelemetry?: EventTelemetryLevel;
  /** Whether this node runs the XPUB/XSUB proxy; default: `nodeType === "MANAGER"`. */
  readonly runsProxy?: boolean;
  /** Process statistics reader; default reads `/proc/self`. */
  readonly processStats?: ProcessStatsReader;
  /** Called when a source throws during a scrape; without it the scrape fails with the error. */
  readonly onSourceError?: (error: unknown, metricName: string) => void;
}

/** Label values of `zeek_version_info` for a semver string, Zeek-style. */
export interface VersionLabels {
  readonly version_number: string;
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  readonly commit: string;
  readonly beta: string;
  readonly debug: string;
  readonly version_string: string;
}

/**
 * Splits a semver string into `zeek_version_info` labels. `version_number` is
 * major·10000 + minor·100 + patch as in Zeek; `commit` is the trailing number of a pre-release
 * tag (`1.2.0-dev.42` gives 42), else 0; `beta` is whether there is a pre-release tag.
 *
 * @param version A version such as `0.1.0` or `1.2.0-dev.42`.
 * @returns The labels.
 * @throws {RangeError} If `version` is not `MAJOR.MINOR.PATCH[-pre][+build]`.
 * @example
 * ```ts
 * import { versionLabels } from "./registry.ts";
 * console.assert(versionLabels("8.2.2").version_number === "80202");
 * ```
 */
export function versionLabels(version: string): VersionLabels {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) throw new RangeError(`Cannot parse version "${version}": expected MAJOR.MINOR.PATCH`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pre = m[4];
  return {
    version_number: String(major * 10000 + minor * 100 + patch),
    major: String(major),
    minor: String(minor),
    patch: String(patch),
    commit: /(\d+)$/.exec(pre ?? "")?.[1] ?? "0",
    beta: String(pre !== undefined),
    debug: "false",
    version_string: version,
  };
}

/**
 * Creates every metric of one node in its own registry.
 *
 * @param options Node identity and wiring.
 * @returns Typed handles grouped by concern, the registry, and `addSource()`.
 * @throws {RangeError} If `version` is not semver.
 * @throws {TypeError} If `node` is empty.
 * @example
 * ```ts
 * import { createNodeMetrics } from "./registry.ts";
 * const m = createNodeMetrics({ node: "worker-1", nodeType: "WORKER", version: "0.1.0" });
 * m.recordOutgoingEvent("ping", "zeek.test.ping");
 * console.assert(m.cluster.outgoingEvents.get() === 1);
 * console.assert((await m.registry.metrics()).includes('node="worker-1"'));
 * ```
 */
export function createNodeMetrics(options: NodeMetricsOptions): NodeMetrics {
  if (options.node === "") throw new TypeError("Cannot create node metrics: node name is empty");
  const registry = options.registry ?? new Registry();
  const nodeCtx: _HandleContext = {
    registry,
    fixedLabels: { node: options.node },
    onSourceError: options.onSourceError,
  };
  const bareCtx: _HandleContext = { ...nodeCtx, fixedLabels: {} };
  const versions = versionLabels(options.version);

  const info = _labelledGauge(
    nodeCtx,
    "zeek_version_info",
    "Version of the running node software",
    Object.keys(versions) as (keyof VersionLabels)[],
  );
  info.set(versions, 1);
  _labelledGauge(
    nodeCtx,
    "zcluster_version_info",
    "zcluster version, node type and Deno version of this node",
    ["deno_version", "node_type", "version"],
  ).set(
    {
      deno_version: Deno.version.deno,
      node_type: options.nodeType.toLowerCase(),
      version: options.version,
    },
    1,
  );

  const cluster = buildCluster(nodeCtx, options.eventTelemetry ?? "verbose");
  const zeromq = buildZeroMq(nodeCtx);
  const proxy = (options.runsProxy ?? options.nodeType === "MANAGER")
    ? buildProxy(nodeCtx)
    : undefined;
  const logs = buildLogs(nodeCtx);
  const stores = buildStores(nodeCtx, bareCtx);
  const websocket = buildWebSocket(nodeCtx);
  const process = buildProcess(nodeCtx, memoPerTurn(options.processStats ?? processStatsReader()));

  const scalars = scalarTargets(cluster, zeromq, proxy, logs, stores, websocket);
  const record = (dir: "incoming" | "outgoing") => (handler: string, topic: string): void => {
    const core = dir === "incoming" ? cluster.incomingEvents : cluster.outgoingEvents;
    const verbose = dir === "incoming"
      ? cluster.verboseIncomingEvents
      : cluster.verboseOutgoingEvents;
    core.inc();
    verbose?.inc({ handler, topic: normalizeTelemetryTopic(topic) });
  };

  return {
    registry,
    node: options.node,
    cluster,
    zeromq,
    proxy,
    logs,
    stores,
    websocket,
    process,
    recordIncomingEvent: record("incoming"),
    recordOutgoingEvent: record("outgoing"),
    addSource(read: () => ScalarReadings): Disposable {
      const disposables: Disposable[] = [];
      for (const [key, metric] of scalars) {
        if (metric) disposables.push(metric.addSource(() => read()[key] ?? 0));
      }
      return { [Symbol.dispose]: () => disposables.forEach((d) => d[Symbol.dispose]()) };
    },
  };
}

/**
 * Wraps `read` so that calls within one synchronous turn (one scrape) share one reading. Used for
 * `/proc` only: a stale value within a turn is harmless there, unlike for callers' sources.
 */
function memoPerTurn<T>(read: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (cached) return cached.value;
    cached = { value: read() };
    queueMicrotask(() => cached = undefined);
    return cached.value;
  };
}

function buildCluster(ctx: _HandleContext, level: EventTelemetryLevel): ClusterMetrics {
  const verbose = (dir: string) =>
    level === "verbose"
      ? _labelledCounter(
        ctx,
        `zeek_cluster_core_verbose_${dir}_events_total`,
        `Number of ${dir} cluster events by handler and normalized topic`,
        ["handler", "topic"],
      )
      : undefined;
  return {
    incomingEvents: _counter(
      ctx,
      "zeek_cluster_core_incoming_events_total",
      "Number of cluster events received",
    ),
    outgoingEvents: _counter(
      ctx,
      "zeek_cluster_core_outgoing_events_total",
      "Number of cluster events published",
    ),
    verboseIncomingEvents: verbose("incoming"),
    verboseOutgoingEvents: verbose("outgoing"),
    onloopQueueBlocks: _labelledCounter(
      ctx,
      "zeek_cluster_onloop_queue_blocks_total",
      "Number of times a producer waited because the inbound event queue was full.",
      ["tag"],
      [{ tag: "ZeroMQ" }],
    ),
    handlerInvocations: _labelledCounter(
      ctx,
      "zeek_event_handler_invocations_total",
      "Number of times a local event handler ran, by event name",
      ["name"],
    ),
    serializationErrors: _labelledCounter(
      ctx,
      "zcluster_serialization_errors_total",
      "Number of events that could not be encoded or decoded.",
      ["direction"],
    ),
    departedHellos: _labelledCounter(
      ctx,
      "zcluster_membership_departed_hellos_total",
      "Hellos from node ids that had already unsubscribed: held back (no node_up), and " +
        "expired (dropped after hello_expiration).",
      ["event"],
    ),
  };
}

function buildZeroMq(ctx: _HandleContext): ZeroMqMetrics {
  const c = (name: string, help: string) => _counter(ctx, name, help);
  return {
    xpubDrops: c(
      "zeek_cluster_zeromq_xpub_drops_total",
      "Number of published events dropped at the XPUB socket high-water mark.",
    ),
    onloopDrops: c(
      "zeek_cluster_zeromq_onloop_drops_total",
      "Number of received events dropped because the inbound queue was full.",
    ),
    msgErrors: c(
      "zeek_cluster_zeromq_msg_errors_total",
      "Number of received messages with an unexpected number of parts.",
    ),
    messagesReceived: c("zcluster_zeromq_messages_received_total", "Number of messages received"),
    messagesSent: c("zcluster_zeromq_messages_sent_total", "Number of messages sent"),
    bytesReceived: c("zcluster_zeromq_bytes_received_total", "Number of bytes received"),
    bytesSent: c("zcluster_zeromq_bytes_sent_total", "Number of bytes sent"),
    curveRejected: c(
      "zcluster_zeromq_curve_rejected_total",
      "Number of connections refused by CURVE: unlisted keys, failed handshakes, plain ZMTP",
    ),
  };
}

function buildProxy(ctx: _HandleContext): ProxyMetrics {
  const c = (side: "frontend" | "backend", what: "messages" | "bytes", dir: "received" | "sent") =>
    _counter(
      ctx,
      `zeek_cluster_zeromq_proxy_${side}_${what}_${dir}_total`,
      `Number of ${what} ${dir} by the proxy's ${side} socket`,
    );
  return {
    frontendMessagesReceived: c("frontend", "messages", "received"),
    frontendBytesReceived: c("frontend", "bytes", "received"),
    frontendMessagesSent: c("frontend", "messages", "sent"),
    frontendBytesSent: c("frontend", "bytes", "sent"),
    backendMessagesReceived: c("backend", "messages", "received"),
    backendBytesReceived: c("backend", "bytes", "received"),
    backendMessagesSent: c("backend", "messages", "sent"),
    backendBytesSent: c("backend", "bytes", "sent"),
  };
}

function buildLogs(ctx: _HandleContext): LogMetrics {
  const writer = ["filter_name", "module", "path", "stream", "writer"] as const;
  return {
    streamWrites: _labelledCounter(
      ctx,
      "zeek_log_stream_writes_total",
      "Number of log writes per stream.",
      ["module", "stream"],
    ),
    writerWrites: _labelledCounter(
      ctx,
      "zeek_log_writer_writes_total",
      "Number of log writes handed to a log writer after stream and filter policies.",
      writer,
    ),
    writerDiscardedWrites: _labelledCounter(
      ctx,
      "zeek_log_writer_discarded_writes_total",
      "Number of log writes discarded for exceeding size limits.",
      writer,
    ),
    queueDrops: _counter(
      ctx,
      "zcluster_log_queue_drops_total",
      "Number of log writes dropped because the queue to the logger nodes was full.",
    ),
    deliveryBatches: _labelledCounter(
      ctx,
      "zcluster_log_delivery_batches_total",
      "Log batches of reliable log delivery, by event (sent, acked, resent, evicted, " +
        "unconfirmed on senders; written, duplicate on loggers).",
      ["event"],
    ),
  };
}

function buildStores(ctx: _HandleContext, bare: _HandleContext): StoreMetrics {
  return {
    stores: _gauge(ctx, "zeek_broker_stores", "Number of data stores open on this node"),
    pendingQueries: _gauge(
      ctx,
      "zeek_broker_pending_queries",
      "Number of data store queries awaiting an answer",
    ),
    entries: _labelledGauge(bare, "broker_store_entries", "Number of entries in the store.", [
      "name",
    ]),
    processedUpdates: _labelledCounter(
      bare,
      "broker_store_processed_updates_total",
      "Number of updates the store applied.",
      ["name"],
    ),
    operations: _labelledCounter(
      ctx,
      "zcluster_store_operations_total",
      "Number of data store operations by store and operation",
      ["name", "op"],
    ),
    errors: _labelledCounter(
      ctx,
      "zcluster_store_errors_total",
      "Number of failed data store operations by store and error code",
      ["code", "name"],
    ),
    cloneLagSeconds: _labelledGauge(
      ctx,
      "zcluster_store_clone_lag_seconds",
      "Age of the newest master update a clone has applied",
      ["name"],
    ),
  };
}

function buildWebSocket(ctx: _HandleContext): WebSocketMetrics {
  return {
    clients: _gauge(ctx, "zcluster_websocket_clients", "Number of connected WebSocket clients"),
    incomingEvents: _labelledCounter(
      ctx,
      "zeek_cluster_websocket_incoming_events_total",
      "Number of events delivered to WebSocket clients",
      ["app"],
    ),
    outgoingEvents: _labelledCounter(
      ctx,
      "zeek_cluster_websocket_outgoing_events_total",
      "Number of events WebSocket clients published",
      ["app"],
    ),
    messages: _labelledCounter(
      ctx,
      "zcluster_websocket_messages_total",
      "Number of WebSocket messages by direction",
      ["direction"],
    ),
    errors: _labelledCounter(
      ctx,
      "zcluster_websocket_errors_total",
      "Number of error messages sent to WebSocket clients by code",
      ["code"],
    ),
    overflows: _counter(
      ctx,
      "zcluster_websocket_overflows_total",
      "Number of WebSocket clients disconnected because their outbound buffer was full",
    ),
  };
}

function buildProcess(ctx: _HandleContext, read: ProcessStatsReader): ProcessMetrics {
  const m: ProcessMetrics = {
    cpuUserSeconds: _counter(ctx, "process_cpu_user_seconds_total", "User CPU time used"),
    cpuSystemSeconds: _counter(ctx, "process_cpu_system_seconds_total", "System CPU time used"),
    residentMemoryBytes: _gauge(ctx, "process_resident_memory_bytes", "Resident memory size"),
    virtualMemoryBytes: _gauge(ctx, "process_virtual_memory_bytes", "Virtual memory size"),
    openFds: _gauge(ctx, "process_open_fds", "Number of open file descriptors"),
    startTimeSeconds: _gauge(
      ctx,
      "process_start_time_seconds",
      "Process start time since the Unix epoch",
    ),
  };
  m.cpuUserSeconds.addSource(() => read().cpuUserSeconds);
  m.cpuSystemSeconds.addSource(() => read().cpuSystemSeconds);
  m.residentMemoryBytes.addSource(() => read().residentMemoryBytes);
  m.virtualMemoryBytes.addSource(() => read().virtualMemoryBytes);
  m.openFds.addSource(() => read().openFds);
  m.startTimeSeconds.addSource(() => read().startTimeSeconds);
  return m;
}

function scalarTargets(
  cluster: ClusterMetrics,
  zeromq: ZeroMqMetrics,
  proxy: ProxyMetrics | undefined,
  logs: LogMetrics,
  stores: StoreMetrics,
  websocket: WebSocketMetrics,
): [keyof ScalarReadings, CounterMetric | GaugeMetric | undefined][] {
  return [
    ["clusterIncomingEvents", cluster.incomingEvents],
    ["clusterOutgoingEvents", cluster.outgoingEvents],
    ["zeromqXpubDrops", zeromq.xpubDrops],
    ["zeromqOnloopDrops", zeromq.onloopDrops],
    ["zeromqMsgErrors", zeromq.msgErrors],
    ["zeromqMessagesReceived", zeromq.messagesReceived],
    ["zeromqMessagesSent", zeromq.messagesSent],
    ["zeromqBytesReceived", zeromq.bytesReceived],
    ["zeromqBytesSent", zeromq.bytesSent],
    ["zeromqCurveRejected", zeromq.curveRejected],
    ["proxyFrontendMessagesReceived", proxy?.frontendMessagesReceived],
    ["proxyFrontendBytesReceived", proxy?.frontendBytesReceived],
    ["proxyFrontendMessagesSent", proxy?.frontendMessagesSent],
    ["proxyFrontendBytesSent", proxy?.frontendBytesSent],
    ["proxyBackendMessagesReceived", proxy?.backendMessagesReceived],
    ["proxyBackendBytesReceived", proxy?.backendBytesReceived],
    ["proxyBackendMessagesSent", proxy?.backendMessagesSent],
    ["proxyBackendBytesSent", proxy?.backendBytesSent],
    ["logQueueDrops", logs.queueDrops],
    ["websocketClients", websocket.clients],
    ["websocketOverflows", websocket.overflows],
    ["stores", stores.stores],
    ["storePendingQueries", stores.pendingQueries],
  ];
}
