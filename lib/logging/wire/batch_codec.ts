/**
 * Zeek's binary log batch (`LOG_SERIALIZER_ZEEK_BIN_V1`, frame-2 name `zeek-bin-serializer`):
 * the payload of a 4-frame `log-write` PUSH message. Big-endian throughout. See the wire spec §5.4.
 *
 * @module
 */

import { ByteSink } from "../../byte_sink.ts";
import { SerializationError } from "../../errors.ts";
import { LOG_WRITE_TOPIC } from "../../transport/transport.ts";
import { isV4Mapped, parseBracketedIp, parseSubnet } from "../../net/ip.ts";
import { type LogBatchData, type Plan, planOf, PROTO_CODES } from "./_batch_common.ts";
import { decodeLogBatch } from "./_batch_decoder.ts";
import {
  type LogField,
  type LogPort,
  type LogScalar,
  type LogValue,
  type ScalarTypeName,
  TYPE_TAG,
  typeTags,
} from "../schema/schema.ts";

/** The frame-2 name of this serializer. */
export const LOG_SERIALIZER_NAME = "zeek-bin-serializer";

export type { LogBatchData };

function encodeError(field: LogField, detail: string): SerializationError {
  return new SerializationError(`Cannot encode log batch: field "${field.name}": ${detail}`);
}

function writeScalar(w: ByteSink, field: LogField, type: ScalarTypeName, v: LogScalar): void {
  switch (type) {
    case "bool":
      if (typeof v !== "boolean") throw encodeError(field, `expected bool, got ${typeof v}`);
      w.i64(v ? 1n : 0n);
      return;
    case "int":
    case "count": {
      if (typeof v !== "bigint" && typeof v !== "number") {
        throw encodeError(field, `expected ${type}, got ${typeof v}`);
      }
      try {
        const b = BigInt(v);
        if (type === "int") w.i64(BigInt.asIntN(64, b) === b ? b : bad());
        else w.u64(b >= 0n && BigInt.asUintN(64, b) === b ? b : bad());
      } catch {
        throw encodeError(field, `${String(v)} is out of range for ${type}`);
      }
      return;
    }
    case "double":
    case "time":
    case "interval":
      if (typeof v !== "number") throw encodeError(field, `expected ${type}, got ${typeof v}`);
      w.f64(v);
      return;
    case "string":
    case "enum":
      if (typeof v !== "string" && !(v instanceof Uint8Array)) {
        throw encodeError(field, `expected ${type}, got ${typeof v}`);
      }
      w.u32Prefixed(v);
      return;
    case "port": {
      const p = v as LogPort;
      const code = typeof p === "object" && p !== null ? PROTO_CODES[p.proto] : undefined;
      if (code === undefined || !Number.isInteger(p.port) || p.port < 0 || p.port > 65535) {
        throw encodeError(field, "expected a port { port, proto }");
      }
      w.u64(BigInt(p.port));
      w.u32(code);
      return;
    }
    case "addr": {
      const bytes = typeof v === "string" ? parseBracketedIp(v) : undefined;
      if (!bytes) throw encodeError(field, `expected addr, got ${JSON.stringify(String(v))}`);
      writeAddr(w, bytes);
      return;
    }
    case "subnet": {
      const sn = typeof v === "string" ? parseSubnet(v) : undefined;
      if (!sn) throw encodeError(field, `expected subnet, got ${JSON.stringify(String(v))}`);
      w.byte(sn.length128);
      writeAddr(w, sn.bytes);
      return;
    }
  }
}

function bad(): never {
  throw new RangeError("out of range");
}

function writeAddr(w: ByteSink, bytes: Uint8Array): void {
  if (isV4Mapped(bytes)) {
    w.byte(4);
    w.whole(bytes.subarray(12));
  } else {
    w.byte(6);
    w.whole(bytes);
  }
}

function writeValue(w: ByteSink, plan: Plan, v: LogValue | null): void {
  const { field, container, scalar } = plan;
  w.u32(plan.tag);
  w.u32(container ? 0 : field.wireSubtype ?? 0);
  if (v === null || v === undefined) {
    w.byte(0);
    return;
  }
  w.byte(1);
  if (!container) {
    writeScalar(w, field, scalar, v as LogScalar);
    return;
  }
  if (!Array.isArray(v)) throw encodeError(field, `expected ${field.type}, got ${typeof v}`);
  const items = v as readonly (LogScalar | null)[];
  w.i64(BigInt(items.length));
  for (const e of items) {
    w.u32(plan.etag);
    w.u32(0);
    if (e === null || e === undefined) {
      w.byte(0);
    } else {
      w.byte(1);
      writeScalar(w, field, scalar, e);
    }
  }
}

/**
 * Encodes a log batch, byte for byte as Zeek's `zeek-bin-serializer` does.
 *
 * @param batch names, fields and rows (each row holds one value per field)
 * @returns the frame-3 payload
 * @throws {SerializationError} when a value does not fit its field's type or a row has the wrong length
 * @example
 * ```ts
 * import { encodeLogBatch } from "./batch_codec.ts";
 * const bytes = encodeLogBatch({
 *   streamName: "Cluster::LOG", writerName: "Log::WRITER_ASCII", filterName: "default", path: "cluster",
 *   fields: [{ name: "ts", type: "time", optional: false }], records: [[1.5]],
 * });
 * ```
 */
export function encodeLogBatch(batch: LogBatchData): Uint8Array {
  const w = new ByteSink(1024);
  w.u32Prefixed(batch.streamName);
  w.u32Prefixed(batch.writerName);
  w.u32Prefixed(batch.filterName);
  w.u32Prefixed(batch.path);
  w.u32(batch.fields.length);
  for (const f of batch.fields) {
    if (f.secondaryName === undefined) {
      w.byte(0);
    } else {
      w.byte(1);
      w.u32Prefixed(f.secondaryName);
    }
    w.u32Prefixed(f.name);
    const { tag, subtag } = typeTags(f.type);
    w.u32(tag);
    w.u32(subtag === TYPE_TAG.VOID ? f.wireSubtype ?? 0 : subtag);
    w.byte(f.optional ? 1 : 0);
  }
  w.u32(batch.records.length);
  const plans = batch.fields.map(planOf);
  for (let r = 0; r < batch.records.length; r++) {
    const row = batch.records[r]!;
    if (row.length !== batch.fields.length) {
      throw new SerializationError(
        `Cannot encode log batch: record ${r} has ${row.length} values, need ${batch.fields.length}`,
      );
    }
    for (let i = 0; i < row.length; i++) writeValue(w, plans[i]!, row[i]!);
  }
  return w.finish();
}

export { decodeLogBatch };

/** The four frames of a `log-write` PUSH message. */
export type LogWriteFrames = [
  topic: Uint8Array,
  sender: Uint8Array,
  format: Uint8Array,
  batch: Uint8Array,
];

/**
 * Builds the 4 frames Zeek sends for one batch: `log-write`, the sender node id, the serializer
 * name `zeek-bin-serializer`, and the encoded batch (wire spec §2.3).
 *
 * @param senderId the sending node's id (`Cluster::node_id()`)
 * @param batch the batch, or its encoded bytes
 * @returns the frames, in order
 * @throws {SerializationError} when the batch cannot be encoded
 * @example
 * ```ts
 * import { logWriteFrames } from "./batch_codec.ts";
 * const frames = logWriteFrames("zeromq_worker-1_host_1_Nabc", new Uint8Array([0]));
 * frames.length; // 4
 * ```
 */
export function logWriteFrames(senderId: string, batch: LogBatchData | Uint8Array): LogWriteFrames {
  const enc = new TextEncoder();
  return [
    enc.encode(LOG_WRITE_TOPIC),
    enc.encode(senderId),
    enc.encode(LOG_SERIALIZER_NAME),
    batch instanceof Uint8Array ? batch : encodeLogBatch(batch),
  ];
}

/**
 * Checks and decodes a received `log-write` message as a Zeek logger does: exactly 4 frames,
 * frame 2 equal to `zeek-bin-serializer`; frames 0 and 1 are not checked, the sender id is
 * returned for diagnostics.
 *
 * @param frames the message's frames
 * @returns the sender id and the decoded batch
 * @throws {SerializationError} for a wrong frame count, another serializer, or a bad batch
 */
export function parseLogWriteFrames(
  frames: readonly Uint8Array[],
): { senderId: string; batch: LogBatchData } {
  if (frames.length !== 4) {
    throw new SerializationError(`Cannot decode log write: ${frames.length} frames, need 4`);
  }
  const dec = new TextDecoder();
  const format = dec.decode(frames[2]);
  if (format !== LOG_SERIALIZER_NAME) {
    throw new SerializationError(
      `Cannot decode log write: serializer ${
        JSON.stringify(format)
      }, need "${LOG_SERIALIZER_NAME}"`,
    );
  }
  return { senderId: dec.decode(frames[1]), batch: decodeLogBatch(frames[3]!) };
}

/** A received log write as the transport hands it over (frames 1 to 3). */
export interface ReceivedLogWrite {
  /** Frame 1: the sender's node id. */
  readonly sender: string;
  /** Frame 2: the log serializer name. */
  readonly format: string;
  /** Frame 3: the encoded batch. */
  readonly batch: Uint8Array;
}

/**
 * Decodes a log write received from the transport, checking the serializer name as Zeek does.
 *
 * @param log sender, format and batch bytes
 * @returns the decoded batch
 * @throws {SerializationError} for another serializer or a bad batch
 */
export function decodeLogWrite(log: ReceivedLogWrite): LogBatchData {
  if (log.format !== LOG_SERIALIZER_NAME) {
    throw new SerializationError(
      `Cannot decode log write from "${log.sender}": serializer ${
        JSON.stringify(log.format)
      }, need "${LOG_SERIALIZER_NAME}"`,
    );
  }
  return decodeLogBatch(log.batch);
}
