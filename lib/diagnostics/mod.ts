/**
 * Diagnostic logging for zcluster's own messages (not Zeek log streams).
 *
 * @example
 * ```ts
 * import { createLogger } from "./mod.ts";
 * const log = createLogger({ name: "worker-1", write: (line) => console.error(line) });
 * log.info("started", { pid: 42 });
 * ```
 *
 * @module
 */

export { createLogger, LOG_LEVELS, silentLogger } from "./logger.ts";
export type { CreateLoggerOptions, LogFields, Logger, LogLevel } from "./logger.ts";
