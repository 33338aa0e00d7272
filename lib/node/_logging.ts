import type { Clock } from "../clock.ts";
import { type Cluster, NODE_DOWN, NODE_UP } from "../cluster/cluster.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { BatchBufferPool } from "../logging/batch_buffers.ts";
import { BATCH_LEDGER_FILE, BatchLedger } from "../logging/batch_ledger.ts";
import { LogAcknowledger } from "../logging/log_acks.ts";
import { LOG_ACK_EVENT, LogDelivery } from "../logging/log_delivery.ts";
import { CLUSTER_INFO_COLUMNS, CLUSTER_LOG, LogService } from "../logging/log_service.ts";
import { LOG_SERIALIZER_NAME } from "../logging/batch_codec.ts";
import { LogWriterManager } from "../logging/writer_manager.ts";
import { OptionsError } from "../errors.ts";
import type { ClusterOptions } from "../options/options.ts";
import { writesLogsLocally } from "../roles/roles.ts";
import { Count, count } from "../serialization/mod.ts";
import { nodeidTopic } from "../topics/topics.ts";
import type { Transport } from "../transport/transport.ts";

/** The logging parts of a node. */
export interface NodeLogging {
  readonly service: LogService;
  readonly files: LogWriterManager | undefined;
  /** Outgoing batches: through reliable delivery while it runs, else straight to the transport. */
  readonly send: { delivery?: LogDelivery };
  /** Incoming batches: through the acknowledger once started, else straight to the service. */
  readonly receive: { acks?: LogAcknowledger };
  /** Buffers of outgoing batches, given back by reliable delivery (used where logs are sent). */
  readonly batchBuffers: BatchBufferPool;
}

/**
 * Builds the node's logging: local files on loggers (and standalone nodes, and a manager that is
 * the logger), batches pushed to the loggers elsewhere. Creates Zeek's `Cluster::LOG` stream.
 */
export async function createNodeLogging(
  options: ClusterOptions,
  deps: {
    clock: Clock;
    logger: Logger;
    nodeId: string;
    sendLog: (sender: string, format: string, batch: Uint8Array) => boolean;
  },
): Promise<NodeLogging> {
  const local = writesLogsLocally(options);
  if (local) await checkLogDir(options.logDir);
  const files = local
    ? await LogWriterManager.create({
      dir: options.logDir,
      format: options.logFormat,
      json: {
        timestamps: options.logJsonTimestamps,
        includeUnset: options.logJsonIncludeUnsetFields,
      },
      clock: { now: () => deps.clock.now() },
      rotationIntervalSec: options.rotationIntervalMs / 1000,
      compression: options.logCompress,
      gzipLevel: options.logCompressLevel,
      flushIntervalMs: options.logFlushIntervalMs,
      onError: (error) => deps.logger.warn(`log writer: ${error.message}`),
    }).catch((error) => {
      throw logDirError(options.logDir, error);
    })
    : undefined;
  for (const r of files?.recovered ?? []) {
    deps.logger.info(`rotated leftover log file from a previous run`, { file: JSON.stringify(r) });
  }
  const send: NodeLogging["send"] = {};
  const batchBuffers = new BatchBufferPool();
  const service = new LogService({
    ...(files ? { local: files } : {
      sendBatch: (batch: Uint8Array) =>
        send.delivery
          ? send.delivery.send(batch)
          : deps.sendLog(deps.nodeId, LOG_SERIALIZER_NAME, batch),
      batchBuffers,
    }),
    clock: deps.clock,
    logger: deps.logger,
    bufferSize: options.logWriteBufferSize,
    flushIntervalMs: options.logFlushIntervalMs,
  });
  service.createStream(CLUSTER_LOG, { columns: CLUSTER_INFO_COLUMNS, path: "cluster" });
  return { service, files, send, receive: {}, batchBuffers };
}

/**
 * Creates the log directory and proves it writable with a probe file (removed at once), so a
 * directory the node cannot write is refused at startup naming it, not met at the first record.
 *
 * @throws {OptionsError} Naming the directory.
 */
async function checkLogDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(await Deno.makeTempFile({ dir, prefix: ".zcluster-write-check-" }));
  } catch (error) {
    throw logDirError(dir, error);
  }
}

/**
 * An operating-system error met creating or reading the log directory, as the operator can act on
 * it: naming the directory and the option that sets it (exit 2, as a bad flag). Other errors pass
 * unchanged.
 */
function logDirError(dir: string, error: unknown): Error {
  const fromOs = Object.values(Deno.errors).some((type) => error instanceof type);
  if (!fromOs) return error as Error;
  return new OptionsError(
    `Cannot use the log directory ${JSON.stringify(dir)} (--log-dir, option logDir): ${
      (error as Error).message
    }`,
    { cause: error },
  );
}

/** What {@linkcode startReliableLogging} needs from the running node. */
export interface ReliableLoggingParts {
  readonly logging: NodeLogging;
  readonly cluster: Cluster;
  readonly transport: Transport;
  readonly clock: Clock;
  /** The log endpoints the transport connected to, in its order. */
  readonly endpoints: readonly string[];
}

/**
 * Starts reliable log delivery (option `logAcks`): on a node that sends logs, numbered batches
 * with resends; on a logger, acknowledgements and the ledger of written batches.
 *
 * @returns what to dispose at shutdown
 */
export function startReliableLogging(
  options: ClusterOptions,
  parts: ReliableLoggingParts,
): Disposable {
  const { logging, cluster, transport } = parts;
  const stops: (() => void)[] = [];
  if (options.logAcks && logging.files) {
    const ledger = BatchLedger.open(`${options.logDir}/${BATCH_LEDGER_FILE}`);
    const files = logging.files;
    const acks = new LogAcknowledger({
      ledger,
      write: (batch) => {
        logging.service.receiveBatch(batch);
        return files.lastBatchFile;
      },
      sendAcks: (sender, seqs) =>
        cluster.publish(
          nodeidTopic(sender, options),
          LOG_ACK_EVENT,
          options.node,
          seqs.map((s) => count(s)),
        ),
    });
    logging.receive.acks = acks;
    stops.push(() => {
      delete logging.receive.acks;
      acks[Symbol.dispose]();
      ledger[Symbol.dispose]();
    });
  }
  if (
    options.logAcks && options.enableRoundRobinLogging && !logging.files &&
    transport.logEndpointCount > 0
  ) {
    const delivery = new LogDelivery({
      loggers: parts.endpoints.map((e) => loggerOfEndpoint(options, e)),
      send: (target, batch) =>
        transport.sendLog(cluster.nodeId, LOG_SERIALIZER_NAME, batch, target),
      now: () => parts.clock.monotonicMs(),
      ackTimeoutMs: options.logAckTimeoutMs,
      bufferBytes: options.logResendBufferBytes,
      release: (batch) => logging.batchBuffers.give(batch),
    });
    logging.send.delivery = delivery;
    const offs = [
      cluster.on(LOG_ACK_EVENT, (logger, seqs) => {
        if (typeof logger !== "string" || !Array.isArray(seqs)) return;
        delivery.onAck(logger, seqs.flatMap((s) => (s instanceof Count ? [Number(s.value)] : [])));
      }),
      cluster.on(NODE_DOWN, (name, id) => delivery.loggerDown(name, id)),
      cluster.on(NODE_UP, (name, id) => delivery.loggerUp(name, id)),
    ];
    const timer = setInterval(() => delivery.tick(), Math.min(1000, options.logAckTimeoutMs));
    stops.push(() => {
      clearInterval(timer);
      for (const off of offs) off();
      delete logging.send.delivery;
    });
  }
  return { [Symbol.dispose]: () => stops.forEach((stop) => stop()) };
}

/** The layout node whose log endpoint `endpoint` is ("" when none is). */
export function loggerOfEndpoint(options: ClusterOptions, endpoint: string): string {
  return Object.keys(options.layout).find((name) => {
    const spec = options.layout[name]!;
    return endpoint.endsWith(`:${spec.p}`) && endpoint.includes(spec.ip);
  }) ?? "";
}
