import type { Clock } from "../clock.ts";
import { type Cluster, NODE_DOWN, NODE_UP } from "../cluster/cluster.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { BatchBufferPool } from "../logging/delivery/batch_buffers.ts";
import { BATCH_LEDGER_FILE, BatchLedger } from "../logging/delivery/batch_ledger.ts";
import { LogAcknowledger } from "../logging/delivery/log_acks.ts";
import { LOG_ACK_EVENT, LogDelivery } from "../logging/delivery/log_delivery.ts";
import { CLUSTER_INFO_COLUMNS, CLUSTER_LOG, LogService } from "../logging/log_service.ts";
import { LOG_SERIALIZER_NAME } from "../logging/wire/batch_codec.ts";
import { LogWriterManager } from "../logging/files/writer_manager.ts";
import { OptionsError } from "../errors.ts";
import type { ClusterOptions } from "../options/options.ts";
import { writesLogsLocally } from "../roles/roles.ts";
import { Count, count } from "../serialization/mod.ts";
import { nodeidTopic } from "../topics/topics.ts";
import type { LogBatch, Transport } from "../transport/transport.ts";

/** The logging parts of a node. */
export interface NodeLogging {
  readonly service: LogService;
  /** The local log files (nodes that write logs themselves). */
  readonly files: LogWriterManager | undefined;
  /** Reliable delivery of outgoing batches (option `logAcks` with round-robin, on a sender). */
  readonly delivery: LogDelivery | undefined;
  /** Buffers of outgoing batches, given back by reliable delivery (used where logs are sent). */
  readonly batchBuffers: BatchBufferPool;
}

/**
 * Opens the local log files of a node that writes logs itself (a logger, a standalone node, a
 * manager that is the logger): takes the log directory's lock first, and rotates what a previous
 * run left. Undefined for the nodes that send their logs to the loggers.
 *
 * @throws {OptionsError} Naming the log directory when it cannot be used.
 * @throws {LockHeldError} When another process holds the directory.
 */
export async function openLogFiles(
  options: ClusterOptions,
  deps: { clock: Clock; logger: Logger },
): Promise<LogWriterManager | undefined> {
  if (!writesLogsLocally(options)) return undefined;
  await checkLogDir(options.logDir);
  const files = await LogWriterManager.create({
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
  });
  for (const r of files.recovered) {
    deps.logger.info(`rotated leftover log file from a previous run`, { file: JSON.stringify(r) });
  }
  return files;
}

/**
 * Builds the node's logging: records go to the local files when the node has them, else in
 * batches to the loggers over the transport (through reliable delivery with `logAcks` and
 * round-robin). Creates Zeek's `Cluster::LOG` stream.
 */
export function createNodeLogging(
  options: ClusterOptions,
  deps: {
    clock: Clock;
    logger: Logger;
    nodeId: string;
    files: LogWriterManager | undefined;
    transport: Transport;
    /** The log endpoints the transport connected to, in its order. */
    endpoints: readonly string[];
  },
): NodeLogging {
  const { files, transport } = deps;
  const batchBuffers = new BatchBufferPool();
  const delivery = !files && options.logAcks && options.enableRoundRobinLogging &&
      transport.logEndpointCount > 0
    ? new LogDelivery({
      loggers: deps.endpoints.map((e) => loggerOfEndpoint(options, e)),
      send: (target, batch) => transport.sendLog(deps.nodeId, LOG_SERIALIZER_NAME, batch, target),
      now: () => deps.clock.monotonicMs(),
      ackTimeoutMs: options.logAckTimeoutMs,
      bufferBytes: options.logResendBufferBytes,
      release: (batch) => batchBuffers.give(batch),
    })
    : undefined;
  const service = new LogService({
    ...(files ? { local: files } : {
      sendBatch: delivery
        ? (batch: Uint8Array) => delivery.send(batch)
        : (batch: Uint8Array) => transport.sendLog(deps.nodeId, LOG_SERIALIZER_NAME, batch),
      batchBuffers,
    }),
    clock: deps.clock,
    logger: deps.logger,
    bufferSize: options.logWriteBufferSize,
    flushIntervalMs: options.logFlushIntervalMs,
  });
  service.createStream(CLUSTER_LOG, { columns: CLUSTER_INFO_COLUMNS, path: "cluster" });
  return { service, files, delivery, batchBuffers };
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

/** The log batches a node receives, and the reliable-delivery parts that run with the node. */
export interface LogReception extends Disposable {
  /** The transport's sink for log batches: to the acknowledger with `logAcks`, else written. */
  readonly onLog: (batch: LogBatch) => void;
  /** The acknowledger of received batches (a logger with `logAcks`). */
  readonly acks: LogAcknowledger | undefined;
}

/**
 * Starts what the logging layer does with the event layer (option `logAcks`): on a logger, the
 * acknowledgements and the ledger of written batches; on a node with reliable delivery, the
 * acknowledgement and membership events that drive it, and its resend timer.
 *
 * @returns the sink for received batches; dispose it at shutdown
 */
export function startLogReception(
  options: ClusterOptions,
  parts: { logging: NodeLogging; cluster: Cluster },
): LogReception {
  const { logging, cluster } = parts;
  const stops: (() => void)[] = [];
  let acks: LogAcknowledger | undefined;
  if (options.logAcks && logging.files) {
    const ledger = BatchLedger.open(`${options.logDir}/${BATCH_LEDGER_FILE}`);
    const files = logging.files;
    const acknowledger = acks = new LogAcknowledger({
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
    stops.push(() => {
      acknowledger[Symbol.dispose]();
      ledger[Symbol.dispose]();
    });
  }
  const delivery = logging.delivery;
  if (delivery) {
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
    });
  }
  let stopped = false;
  return {
    onLog: (batch) => {
      if (acks && !stopped) acks.receive(batch);
      else logging.service.receiveBatch(batch);
    },
    acks,
    [Symbol.dispose]: () => {
      stopped = true;
      stops.forEach((stop) => stop());
    },
  };
}

/** The layout node whose log endpoint `endpoint` is ("" when none is). */
export function loggerOfEndpoint(options: ClusterOptions, endpoint: string): string {
  return Object.keys(options.layout).find((name) => {
    const spec = options.layout[name]!;
    return endpoint.endsWith(`:${spec.p}`) && endpoint.includes(spec.ip);
  }) ?? "";
}
