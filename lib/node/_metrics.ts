import { type Cluster, NODE_DOWN, NODE_UP } from "../cluster/cluster.ts";
import { nodeRoles } from "../roles/roles.ts";
import type { Logger } from "../diagnostics/logger.ts";
import type { LogService } from "../logging/log_service.ts";
import type { NodeLogging } from "./_logging.ts";
import type { LogAcknowledger } from "../logging/delivery/log_acks.ts";
import { createMetricsApp } from "../metrics/metrics_app.ts";
import { type MetricsServer, serveMetrics } from "../metrics/metrics_server.ts";
import { createNodeMetrics } from "../metrics/registry.ts";
import type { NodeMetrics } from "../metrics/types.ts";
import type { ClusterOptions } from "../options/options.ts";
import { localNodeMetricsPort, localNodeType } from "../options/options.ts";
import type { Transport } from "../transport/transport.ts";
import { VERSION } from "../version.ts";
import { StatusCollector } from "../status/collector.ts";
import { mountStatus } from "../status/routes.ts";
import { familiesFromRegistry } from "../status/sample.ts";

/** Registers the node's counters as metric sources. */
export function createMetricsFor(
  options: ClusterOptions,
  parts: {
    cluster: Cluster;
    transport: Transport;
    log: LogService;
    logging: NodeLogging;
    acks: LogAcknowledger | undefined;
  },
  logger: Logger,
): NodeMetrics {
  const metrics = createNodeMetrics({
    node: options.node,
    nodeType: localNodeType(options),
    version: VERSION,
    // Nothing asks the proxy's control socket for STATISTICS (yet), so the proxy's
    // frontend/backend counters cannot be read: they are left out rather than shown as 0.
    runsProxy: false,
    onSourceError: (error, name) => logger.warn(`metric source ${name} failed: ${error}`),
  });
  const { cluster, transport, log } = parts;
  metrics.addSource(() => {
    const t = transport.stats;
    return {
      clusterIncomingEvents: cluster.stats.received,
      clusterOutgoingEvents: cluster.stats.published.total(),
      zeromqXpubDrops: t.xpubDrops,
      zeromqOnloopDrops: t.onloopDrops,
      zeromqMsgErrors: t.msgErrors,
      zeromqMessagesReceived: t.messagesIn + t.subscriptionsIn + t.logsIn,
      zeromqMessagesSent: t.messagesOut + t.logsOut,
      zeromqBytesReceived: t.bytesIn + t.logBytesIn,
      zeromqBytesSent: t.bytesOut + t.logBytesOut,
      logQueueDrops: log.stats.recordsDropped + t.logDrops,
    };
  });
  metrics.cluster.handlerInvocations.addSource(() =>
    [...cluster.stats.handled.entries()].map(([name, value]) => ({ labels: { name }, value }))
  );
  metrics.cluster.serializationErrors.addSource(() => [
    {
      labels: { direction: "in" },
      // A declared event with the wrong arguments fails to decode into an event, as in Zeek.
      value: cluster.stats.serializationErrors + cluster.stats.signatureMismatches +
        log.stats.badBatches,
    },
    { labels: { direction: "out" }, value: cluster.stats.publishFailures },
  ]);
  metrics.cluster.departedHellos.addSource(() => [
    { labels: { event: "held" }, value: cluster.membershipStats.hellosFromDeparted },
    { labels: { event: "expired" }, value: cluster.membershipStats.departedExpired },
  ]);
  metrics.logs.streamWrites.addSource(() =>
    [...log.stats.writes.entries()].map(([key, value]) => {
      const stream = key.slice(0, key.indexOf("/"));
      return { labels: { module: stream.split("::")[0] ?? stream, stream }, value };
    })
  );
  metrics.logs.deliveryBatches.addSource(() => {
    const out: Record<string, number> = {};
    const d = parts.logging.delivery?.stats;
    if (d) {
      Object.assign(out, {
        sent: d.sent,
        acked: d.acked,
        resent: d.resent,
        evicted: d.evicted,
        unconfirmed: d.unconfirmed,
      });
    }
    const a = parts.acks?.stats;
    if (a) Object.assign(out, { written: a.written, duplicate: a.duplicates });
    return Object.entries(out).map(([event, value]) => ({ labels: { event }, value }));
  });
  return metrics;
}

/**
 * Serves `/metrics` (and, on the manager, `/services.json`, the status page `/` and
 * `/status.json`) on the node's metrics port, bound to `metricsAddress` or the node's ip, as Zeek
 * does.
 *
 * @returns The server, or undefined when the node has no metrics port.
 * @throws {Error} Naming the node, address and port when the port cannot be bound.
 */
export function serveNodeMetrics(
  options: ClusterOptions,
  metrics: NodeMetrics,
  parts?: { cluster: Cluster },
): MetricsServer | undefined {
  const port = localNodeMetricsPort(options);
  if (port === 0) return undefined;
  const node = options.layout[options.node]!;
  const roles = nodeRoles(options);
  const advertise = options.metricsAdvertiseAddress;
  const app = createMetricsApp({
    registry: metrics.registry,
    node: options.node,
    ...(roles.servesServicesJson
      ? {
        services: { layout: options.layout, ...(advertise ? { advertiseAddress: advertise } : {}) },
      }
      : {}),
  });
  const collector = roles.servesStatusPage && parts
    ? statusCollector(options, metrics, parts.cluster)
    : undefined;
  if (collector) mountStatus(app, collector);
  let server: MetricsServer;
  try {
    server = serveMetrics({ app, hostname: options.metricsAddress || node.ip, port });
  } catch (error) {
    collector?.[Symbol.asyncDispose]();
    throw new Error(`Node ${options.node}: ${(error as Error).message}`, { cause: error });
  }
  if (!collector) return server;
  return {
    addr: server.addr,
    finished: server.finished,
    async [Symbol.asyncDispose]() {
      await collector[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** The status page's collector on the manager: membership from the cluster, metrics scraped. */
function statusCollector(
  options: ClusterOptions,
  metrics: NodeMetrics,
  cluster: Cluster,
): StatusCollector {
  const advertise = options.metricsAdvertiseAddress;
  return new StatusCollector({
    layout: options.layout,
    self: options.node,
    selfId: cluster.nodeId,
    membership: {
      upNodes: () => cluster.upNodes(),
      idOf: (name) => cluster.idOf(name),
      onChange: (listener) => {
        const offUp = cluster.on(NODE_UP, () => listener());
        const offDown = cluster.on(NODE_DOWN, () => listener());
        return () => {
          offUp();
          offDown();
        };
      },
    },
    ownMetrics: () => familiesFromRegistry(metrics.registry),
    ...(advertise ? { advertiseAddress: advertise } : {}),
    clusterLogFile: `${options.logDir}/cluster.log`,
  });
}
