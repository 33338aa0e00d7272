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

export * from "./schema.ts";
export * from "./batch_codec.ts";
export * from "./formatter.ts";
export * from "./ascii_writer.ts";
export * from "./json_writer.ts";
export * from "./rotation.ts";
export * from "./log_file.ts";
export * from "./writer_manager.ts";
export { formatAsciiDouble, formatAsciiTime, formatJsonDouble } from "./_numbers.ts";
export * from "./compress.ts";
