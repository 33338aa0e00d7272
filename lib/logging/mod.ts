/**
 * Zeek logging for zcluster: log stream schemas and record validation, the `zeek-bin-serializer`
 * log batch codec (frame 3 of a `log-write` message), Zeek-exact ASCII and JSON formatting, and
 * per-path log files with Zeek's rotation, post-processor argv and crash recovery.
 *
 * ```ts ignore
 * import { createStream, decodeLogBatch, LogWriterManager } from "./mod.ts";
 *
 * const conn = createStream("Conn::LOG", { path: "conn", columns: { ts: "time", uid: "string" } });
 * await using logs = await LogWriterManager.create({ dir: "logs", rotationIntervalSec: 3600 });
 * logs.write(conn, { ts: Date.now() / 1000, uid: "C1" });   // a local record
 * logs.writeBatch(decodeLogBatch(frame3));                   // a batch from a PUSH socket
 * ```
 *
 * @module
 */

export { formatAsciiDouble, formatAsciiTime, formatJsonDouble } from "./files/_numbers.ts";
export type { LogCompression, LogCompressorStats } from "./files/compress.ts";
export {
  createStream,
  flattenColumns,
  isLogTypeName,
  normalizeScalar,
  SCALAR_TYPE_NAMES,
  scalarTypeOfTag,
  splitType,
  TYPE_TAG,
  typeTags,
  validateRecord,
} from "./schema/schema.ts";
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
  TypeTag,
  ValidateOptions,
} from "./schema/schema.ts";
export {
  decodeLogWrite,
  encodeLogBatch,
  LOG_SERIALIZER_NAME,
  logWriteFrames,
  parseLogWriteFrames,
} from "./wire/batch_codec.ts";
export type { LogBatchData, LogWriteFrames, ReceivedLogWrite } from "./wire/batch_codec.ts";
export { decodeLogBatch } from "./wire/_batch_decoder.ts";
export type { LogFormat } from "../options/options.ts";
export { formatLocalTime, formatLogTimestamp, parseLogTimestamp } from "./files/formatter.ts";
export type { LogFormatter } from "./files/formatter.ts";
export { AsciiFormatter, DEFAULT_ASCII_FORMAT, parseAsciiHeader } from "./files/ascii_writer.ts";
export type { AsciiFormatOptions, AsciiHeader } from "./files/ascii_writer.ts";
export { JsonFormatter, zeekJsonString } from "./files/json_writer.ts";
export type { JsonFormatOptions, JsonTimestamps } from "./files/json_writer.ts";
export {
  archiveTime,
  isValidLogPath,
  nextRotationTime,
  postProcessCall,
  recoverLeftover,
  recoverLeftovers,
  renameRotated,
  rotatedName,
  shadowName,
} from "./files/rotation.ts";
export type { PostProcessCall, PostProcessor, RecoveredLog, WallClock } from "./files/rotation.ts";
export {
  DEFAULT_BUFFER_BYTES,
  DEFAULT_MAX_PENDING_BYTES,
  LogFileWriter,
} from "./files/log_file.ts";
export type { LogFileStats, LogFileWriterOptions, WrittenCallback } from "./files/log_file.ts";
export {
  DEFAULT_FLUSH_INTERVAL_MS,
  LogWriterManager,
  WRITER_ASCII,
  WRITER_NONE,
} from "./files/writer_manager.ts";
export type {
  LogManagerCounters,
  LogWriterCounters,
  LogWriterManagerOptions,
} from "./files/writer_manager.ts";
