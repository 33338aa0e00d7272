/**
 * Internal bin-v1 value writer and reader (spec §5.1), shared by `bin_v1.ts` and `event.ts`.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import type { ByteSink } from "../byte_sink.ts";
import { type ByteReader, decodeText } from "./_buffer.ts";
import { BrokerSet, BrokerTable, type TableEntry } from "./containers.ts";
import {
  Address,
  type BrokerValue,
  type ByteString,
  Count,
  EnumValue,
  Int,
  Port,
  PORT_PROTOCOLS,
  Subnet,
  Timespan,
  Timestamp,
} from "./data.ts";

/** Default bound on container nesting for the codecs. */
export const DEFAULT_MAX_DEPTH = 64;

// CAF pack754 special cases (spec §5.1): +inf and -inf are swapped, every NaN is all ones.
const POS_INF_HI = 0xfff00000;
const NEG_INF_HI = 0x7ff00000;

/**
 * `2 ** (e - 1075)` for each biased exponent `e` of a double (`2 ** -1074` for 0, the subnormals):
 * a table read instead of a `pow()` call (20-30 ns a real, Deno 2.9.6, 2026-12-07). Every entry is
 * an exact power of two.
 */
const POW2_OF_EXP = Float64Array.from(
  { length: 2047 },
  (_, e) => 2 ** (e === 0 ? -1074 : e - 1075),
);

function depthError(): SerializationError {
  return new SerializationError("Cannot process value: containers nest deeper than maxDepth");
}

/** The Broker values that are class instances. */
export type BrokerObject = Exclude<
  BrokerValue,
  readonly BrokerValue[] | null | string | number | boolean
>;

/**
 * Appends the bin-v1 bytes of `value` (tag first) to `w`.
 * @throws {SerializationError} When containers nest deeper than `depthLeft`.
 * @throws {TypeError} When `value` is not a Broker value.
 */
export function writeValue(w: ByteSink, value: BrokerValue, depthLeft: number): void {
  switch (typeof value) {
    case "boolean":
      w.byte(1);
      w.byte(value ? 1 : 0);
      return;
    case "number":
      w.byte(4);
      if (value !== value) w.u32pair(0xffffffff, 0xffffffff);
      else if (value === Infinity) w.u32pair(POS_INF_HI, 0);
      else if (value === -Infinity) w.u32pair(NEG_INF_HI, 0);
      else w.f64(value); // subnormals: standard IEEE bits (see bin_v1.ts)
      return;
    case "string":
      w.byte(5);
      w.varbytePrefixed(value);
      return;
    case "object":
      if (value === null) {
        w.byte(0);
        return;
      }
      if (Array.isArray(value)) {
        if (depthLeft <= 0) throw depthError();
        w.byte(14);
        w.varbyte(value.length);
        for (let i = 0; i < value.length; i++) writeValue(w, value[i], depthLeft - 1);
        return;
      }
      writeObject(w, value as BrokerObject, depthLeft);
      return;
  }
  throw new TypeError(`Cannot encode value: ${typeof value} is not a Broker value`);
}

function writeObject(
  w: ByteSink,
  value: BrokerObject,
  depthLeft: number,
): void {
  const tag = value.dataTag;
  switch (tag) {
    case 2:
      w.byte(2);
      w.u64(value.value);
      return;
    case 3:
      w.byte(3);
      w.i64(value.value);
      return;
    case 5:
      w.byte(5);
      w.varbytePrefixed(typeof value === "string" ? value : value.bytes);
      return;
    case 6:
      w.byte(6);
      writeWords(w, value.words);
      return;
    case 7:
      w.byte(7);
      writeWords(w, value.network.words);
      w.byte(value.rawLength);
      return;
    case 8:
      w.byte(8);
      w.u16(value.number);
      w.byte(value.protocolCode);
      return;
    case 9:
    case 10:
      w.byte(tag);
      w.i64(value.ns);
      return;
    case 11:
      w.byte(11);
      w.varbytePrefixed(value.name);
      return;
    case 12:
    case 13:
      if (depthLeft <= 0) throw depthError();
      w.byte(tag);
      if (tag === 12) {
        w.varbyte(value.values.length);
        for (const v of value.values) writeValue(w, v, depthLeft - 1);
      } else {
        w.varbyte(value.entries.length);
        for (const [k, v] of value.entries) {
          writeValue(w, k, depthLeft - 1);
          writeValue(w, v, depthLeft - 1);
        }
      }
      return;
  }
  throw new TypeError(`Cannot encode value: ${String(value)} is not a Broker value`);
}

/**
 * Reads one bin-v1 value (tag first) at the reader's cursor.
 * @throws {SerializationError} On truncation, unknown tags, bad lengths or values, or nesting
 *   deeper than `depthLeft`.
 */
export function readValue(r: ByteReader, depthLeft: number): BrokerValue {
  const tag = r.u8("tag");
  switch (tag) {
    case 0:
      return null;
    case 1:
      return r.u8("boolean") !== 0;
    case 2:
      return new Count(r.u64("count"));
    case 3:
      return new Int(r.i64("integer"));
    case 4:
      return readReal(r);
    case 5:
      return readText(r, "string");
    case 6:
      r.need(16, "address");
      return readAddress(r);
    case 7:
      return readSubnet(r);
    case 8: {
      const number = r.u16("port");
      const proto = r.u8("port");
      if (proto > 3) {
        throw new SerializationError(`Cannot decode port: protocol ${proto} is not 0..3`);
      }
      return new Port(number, PORT_PROTOCOLS[proto]);
    }
    case 9:
      return new Timestamp(r.i64("timestamp"));
    case 10:
      return new Timespan(r.i64("timespan"));
    case 11: {
      const name = readText(r, "enum value");
      if (typeof name !== "string") {
        throw new SerializationError("Cannot decode enum value: name is not valid UTF-8");
      }
      return new EnumValue(name);
    }
    case 12:
    case 13:
    case 14:
      return readContainer(r, tag, depthLeft);
  }
  throw new SerializationError(
    `Cannot decode value: unknown tag 0x${tag.toString(16).padStart(2, "0")} at offset ${
      r.pos - 1
    }`,
  );
}

function writeWords(w: ByteSink, words: readonly number[]): void {
  w.u32(words[0]!);
  w.u32(words[1]!);
  w.u32(words[2]!);
  w.u32(words[3]!);
}

/** Reads 16 address bytes (the caller checked they are there). */
function readAddress(r: ByteReader): Address {
  const p = r.pos;
  r.pos += 16;
  return Address.fromWords(r.u32At(p), r.u32At(p + 4), r.u32At(p + 8), r.u32At(p + 12));
}

/** Reads 8 bytes of CAF pack754 output, decoding the bits by hand (no DataView). */
function readReal(r: ByteReader): number {
  r.need(8, "real");
  const hi = r.u32At(r.pos);
  const lo = r.u32At(r.pos + 4);
  r.pos += 8;
  if (lo === 0 && hi === POS_INF_HI) return Infinity;
  if (lo === 0 && hi === NEG_INF_HI) return -Infinity;
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0x7ff) return NaN;
  const mant = (hi & 0xfffff) * 4294967296 + lo; // < 2^52: exact
  const sign = hi >>> 31 ? -1 : 1;
  // Products by a power of two whose exact result is representable are exact.
  if (exp === 0) return sign * mant * POW2_OF_EXP[0]!;
  return sign * (mant + 4503599627370496) * POW2_OF_EXP[exp]!;
}

function readText(r: ByteReader, what: string): string | ByteString {
  const len = r.varbyte(what);
  r.need(len, what);
  const start = r.pos;
  r.pos += len;
  return decodeText(r.bytes, start, r.pos);
}

function readSubnet(r: ByteReader): Subnet {
  r.need(17, "subnet");
  const raw = r.bytes[r.pos + 16]!;
  if (raw > 128) throw new SerializationError(`Cannot decode subnet: length ${raw} is above 128`);
  const s = Subnet.fromRaw(readAddress(r), raw);
  r.pos += 1;
  return s;
}

function readContainer(
  r: ByteReader,
  tag: number,
  depthLeft: number,
): BrokerSet | BrokerTable | BrokerValue[] {
  const what = tag === 12 ? "set" : tag === 13 ? "table" : "vector";
  if (depthLeft <= 0) throw depthError();
  const n = r.varbyte(what);
  // Every element takes at least one byte (a table entry two): reject before allocating.
  if (n > (tag === 13 ? r.remaining / 2 : r.remaining)) {
    throw new SerializationError(
      `Cannot decode ${what}: ${n} elements declared, only ${r.remaining} bytes left`,
    );
  }
  if (tag === 13) {
    const entries: TableEntry[] = [];
    for (let i = 0; i < n; i++) {
      const k = readValue(r, depthLeft - 1);
      entries.push([k, readValue(r, depthLeft - 1)]);
    }
    return new BrokerTable(entries);
  }
  const values: BrokerValue[] = [];
  for (let i = 0; i < n; i++) values.push(readValue(r, depthLeft - 1));
  return tag === 12 ? new BrokerSet(values) : values;
}
