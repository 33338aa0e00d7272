import type { Clock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { CLUSTER_INFO_COLUMNS, CLUSTER_LOG, LogService } from "../logging/log_service.ts";
import { LOG_SERIALIZER_NAME } from "../logging/batch_codec.ts";
import { LogWriterManager } from "../logging/writer_manager.ts";
import type { ClusterOptions } from "../options/options.ts";
import { localNodeType } from "../options/options.ts";

/** Whether this node writes log files itself (Zeek's `Log::enable_local_logging`). */
export function writesLocally(options: ClusterOptions): boolean {
  const type = localNodeType(options);
  return type === "NONE" || type === "LOGGER" || (type === "MANAGER" && options.managerIsLogger);
}

/** The logging parts of a node. */
export interface NodeLogging {
  readonly service: LogService;
  readonly files: LogWriterManager | undefined;
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
  const files = writesLocally(options)
    ? await LogWriterManager.create({
      dir: options.logDir,
      format: options.logFormat,
      clock: { now: () => deps.clock.now() },
      rotationIntervalSec: options.rotationIntervalMs / 1000,
      flushIntervalMs: options.logFlushIntervalMs,
      onError: (error) => deps.logger.warn(`log writer: ${error.message}`),
    })
    : undefined;
  for (const r of files?.recovered ?? []) {
    deps.logger.info(`rotated leftover log file from a previous run`, { file: JSON.stringify(r) });
  }
  const service = new LogService({
    ...(files ? { local: files } : {
      sendBatch: (batch: Uint8Array) => deps.sendLog(deps.nodeId, LOG_SERIALIZER_NAME, batch),
    }),
    clock: deps.clock,
    logger: deps.logger,
    bufferSize: options.logWriteBufferSize,
    flushIntervalMs: options.logFlushIntervalMs,
  });
  service.createStream(CLUSTER_LOG, { columns: CLUSTER_INFO_COLUMNS, path: "cluster" });
  return { service, files };
}
