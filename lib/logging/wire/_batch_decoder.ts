/**
 * The defensive decoder of Zeek's binary log batch; see `batch_codec.ts`.
 *
 * @module
 */

import { decodeUtf8 } from "../../utf8.ts";
import { SerializationError } from "../../errors.ts";
import { formatIp, formatSubnet, isV4Mapped, maskBytes } from "../../net/ip.ts";
import {
  type LogBatchData,
  MIN_FIELD_BYTES,
  MIN_VALUE_BYTES,
  type Plan,
  planOf,
  PROTO_NAMES,
} from "./_batch_common.ts";
import {
  type LogField,
  type LogRow,
  type LogScalar,
  type LogValue,
  type ScalarTypeName,
  scalarTypeOfTag,
  TYPE_TAG,
} from "../schema/schema.ts";

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.#bytes.length - this.pos;
  }
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new SerializationError(
        `Cannot decode ${what}: ${this.remaining} bytes left, need ${n} (offset ${this.pos})`,
      );
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.#bytes[this.pos++]!;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.#view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.#view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  i64(what: string): bigint {
    this.need(8, what);
    const v = this.#view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.#view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  f64(what: string): number {
    this.need(8, what);
    const v = this.#view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  raw(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.#bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A string: text when it is valid UTF-8, else a copy of the raw bytes. */
  str(what: string): string | Uint8Array {
    const n = this.u32(what);
    this.need(n, what);
    const start = this.pos;
    const bytes = this.#bytes;
    this.pos += n;
    return decodeUtf8(bytes, start, start + n) ?? bytes.slice(start, start + n);
  }
  text(what: string): string {
    const s = this.str(what);
    if (typeof s !== "string") {
      throw new SerializationError(`Cannot decode ${what}: not valid UTF-8`);
    }
    return s;
  }
}

function readAddr(r: Reader, what: string): Uint8Array {
  const family = r.u8(`${what} family`);
  if (family === 4) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(r.raw(4, what), 12);
    return out;
  }
  if (family === 6) return r.raw(16, what).slice();
  throw new SerializationError(`Cannot decode ${what}: unknown address family ${family}`);
}

function readScalar(r: Reader, type: ScalarTypeName, what: string): LogScalar {
  switch (type) {
    case "bool":
      return r.i64(what) !== 0n;
    case "int":
      return r.i64(what);
    case "count":
      return r.u64(what);
    case "double":
    case "time":
    case "interval":
      return r.f64(what);
    case "string":
      return r.str(what);
    case "enum":
      return r.text(what);
    case "port": {
      const port = r.u64(what);
      const proto = r.i32(`${what} protocol`);
      const name = PROTO_NAMES[proto];
      if (port > 65535n || name === undefined) {
        throw new SerializationError(`Cannot decode ${what}: bad port ${port}/${proto}`);
      }
      return { port: Number(port), proto: name };
    }
    case "addr": {
      const family = r.u8(what);
      if (family === 4) {
        const b = r.raw(4, what);
        return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
      }
      r.pos--;
      return formatIp(readAddr(r, what));
    }
    case "subnet": {
      const len = r.u8(`${what} length`);
      const bytes = readAddr(r, what);
      if (len > 128 || (isV4Mapped(bytes) && len < 96)) {
        throw new SerializationError(`Cannot decode ${what}: bad prefix length ${len}`);
      }
      return formatSubnet(maskBytes(bytes, len), len);
    }
  }
}

/** Reads one Value's header; returns whether it is present. */
function readHeader(r: Reader, tag: number, what: string): boolean {
  const type = r.i32(`${what} type`);
  r.i32(`${what} subtype`);
  if (type !== tag) {
    throw new SerializationError(`Cannot decode ${what}: value type ${type}, column type ${tag}`);
  }
  // Zeek reads a bool as true only when the byte is 1.
  return r.u8(`${what} present`) === 1;
}

function readValue(r: Reader, plan: Plan): LogValue | null {
  const { container, scalar } = plan;
  if (!readHeader(r, plan.tag, plan.field.type)) return null;
  if (!container) return readScalar(r, scalar, scalar);
  const count = r.i64(`${plan.field.type} element count`);
  if (count < 0n || count * BigInt(MIN_VALUE_BYTES) > BigInt(r.remaining)) {
    throw new SerializationError(
      `Cannot decode ${plan.field.type}: ${count} elements, ${r.remaining} bytes left`,
    );
  }
  const items: (LogScalar | null)[] = [];
  for (let i = 0; i < Number(count); i++) {
    items.push(readHeader(r, plan.etag, scalar) ? readScalar(r, scalar, scalar) : null);
  }
  return items;
}

function readField(r: Reader, index: number): LogField {
  const what = `field ${index}`;
  const hasSecondary = r.u8(`${what} secondary flag`) === 1;
  const secondaryName = hasSecondary ? r.text(`${what} secondary name`) : undefined;
  const name = r.text(`${what} name`);
  const tag = r.i32(`${what} type`);
  const subtag = r.i32(`${what} subtype`);
  const optional = r.u8(`${what} optional`) === 1;
  let type: string | undefined;
  let wireSubtype: number | undefined;
  if (tag === TYPE_TAG.TABLE || tag === TYPE_TAG.VECTOR) {
    const el = scalarTypeOfTag(subtag);
    if (el !== undefined) type = `${tag === TYPE_TAG.TABLE ? "set" : "vector"}[${el}]`;
  } else {
    type = scalarTypeOfTag(tag);
    if (subtag !== 0) wireSubtype = subtag;
  }
  if (type === undefined) {
    throw new SerializationError(
      `Cannot decode ${what} "${name}": unsupported column type ${tag}/${subtag}`,
    );
  }
  return {
    name,
    type: type as LogField["type"],
    optional,
    ...(wireSubtype === undefined ? {} : { wireSubtype }),
    ...(secondaryName === undefined ? {} : { secondaryName }),
  };
}

/** The part of a batch before its records, and where the records start. */
export interface LogBatchHeader {
  /** The `Log::ID` enum name. */
  readonly streamName: string;
  /** The `Log::Writer` enum name. */
  readonly writerName: string;
  /** The filter name. */
  readonly filterName: string;
  /** The path. */
  readonly path: string;
  /** The flattened columns. */
  readonly fields: readonly LogField[];
  /** Records that follow. */
  readonly numRecords: number;
  /** Offset of the first record's first value. */
  readonly recordsOffset: number;
}

function readHeaderPart(r: Reader): LogBatchHeader {
  const streamName = r.text("stream name");
  const writerName = r.text("writer name");
  const filterName = r.text("filter name");
  const path = r.text("path");
  const numFields = r.u32("field count");
  if (numFields * MIN_FIELD_BYTES > r.remaining) {
    throw new SerializationError(
      `Cannot decode log batch: ${numFields} fields, ${r.remaining} bytes left`,
    );
  }
  const fields: LogField[] = [];
  for (let i = 0; i < numFields; i++) fields.push(readField(r, i));
  const numRecords = r.u32("record count");
  if (numRecords > 0 && numFields === 0) {
    throw new SerializationError(`Cannot decode log batch: ${numRecords} records without fields`);
  }
  if (numRecords * numFields * MIN_VALUE_BYTES > r.remaining) {
    throw new SerializationError(
      `Cannot decode log batch: ${numRecords} records of ${numFields} fields, ${r.remaining} bytes left`,
    );
  }
  return { streamName, writerName, filterName, path, fields, numRecords, recordsOffset: r.pos };
}

/**
 * Decodes the names and fields of a batch and checks its record count against its size, as
 * {@linkcode decodeLogBatch} does before it reads the records.
 *
 * @param bytes the frame-3 payload
 * @returns the header, with the offset where the records start
 * @throws {SerializationError} for a truncated or inconsistent header
 */
export function decodeLogBatchHeader(bytes: Uint8Array): LogBatchHeader {
  return readHeaderPart(new Reader(bytes));
}

/**
 * Decodes a `zeek-bin-serializer` log batch. Defensive: every length and count is checked against
 * the bytes left before anything is allocated, and the whole input must be consumed.
 *
 * @param bytes the frame-3 payload
 * @returns the batch; counts and ints as `bigint`, addresses and subnets as canonical text
 * @throws {SerializationError} for truncated, oversized, inconsistent or trailing data
 * @example
 * ```ts
 * import { decodeLogBatch, encodeLogBatch } from "./batch_codec.ts";
 * const fields = [{ name: "ts", type: "time", optional: false }] as const;
 * const batch = decodeLogBatch(encodeLogBatch({
 *   streamName: "Log::UNKNOWN", writerName: "Log::WRITER_NONE", filterName: "default", path: "p",
 *   fields, records: [[1.0]],
 * }));
 * batch.records; // [[1]]
 * ```
 */
export function decodeLogBatch(bytes: Uint8Array): LogBatchData {
  const r = new Reader(bytes);
  const { streamName, writerName, filterName, path, fields, numRecords } = readHeaderPart(r);
  const numFields = fields.length;
  const records: LogRow[] = [];
  const plans = fields.map(planOf);
  for (let n = 0; n < numRecords; n++) {
    const row: (LogValue | null)[] = new Array(numFields);
    let i = 0;
    try {
      for (; i < numFields; i++) row[i] = readValue(r, plans[i]!);
    } catch (e) {
      if (!(e instanceof SerializationError)) throw e;
      throw new SerializationError(
        e.message.replace(
          "Cannot decode ",
          `Cannot decode record ${n} field "${fields[i]!.name}": `,
        ),
        { cause: e },
      );
    }
    records.push(row);
  }
  if (r.remaining !== 0) {
    throw new SerializationError(`Cannot decode log batch: ${r.remaining} trailing bytes`);
  }
  return { streamName, writerName, filterName, path, fields, records };
}
