/**
 * Broker's data model in TypeScript (spec `zeek-zeromq-wire.md` §5.1).
 *
 * none is `null`, boolean `boolean`, real `number`, string a JS `string` (or a {@link ByteString}
 * for bytes that are not valid UTF-8), vector a JS array. Every other Broker type is a small
 * immutable class here (sets and tables in `containers.ts`). Each class carries `dataTag`, its
 * bin-v1 tag byte.
 *
 * @module
 */

import { formatIp, parseIp } from "../net/ip.ts";
import { formatTimespan, formatTimestampNs } from "./_text.ts";
import { compareBytes, compareWords } from "./compare.ts";
import type { BrokerSet, BrokerTable } from "./containers.ts";

const ENCODER = new TextEncoder();

/** Largest count: 2^64 - 1. */
export const COUNT_MAX = 0xffff_ffff_ffff_ffffn;
/** Smallest integer: -2^63. */
export const INT_MIN = -0x8000_0000_0000_0000n;
/** Largest integer: 2^63 - 1. */
export const INT_MAX = 0x7fff_ffff_ffff_ffffn;

/** Bin-v1 tag bytes of the Broker data types (spec §5.1). */
export const DATA_TAG = {
  none: 0,
  boolean: 1,
  count: 2,
  integer: 3,
  real: 4,
  string: 5,
  address: 6,
  subnet: 7,
  port: 8,
  timestamp: 9,
  timespan: 10,
  enumValue: 11,
  set: 12,
  table: 13,
  vector: 14,
} as const;

/**
 * A Broker string whose bytes are not (necessarily) valid UTF-8. Holds its own copy.
 *
 * @example
 * ```ts
 * import { ByteString } from "../../mod.ts";
 * const raw = new ByteString(new Uint8Array([0xde, 0xad]));
 * raw.bytes.length; // 2
 * ```
 */
export class ByteString {
  /** The raw bytes. Do not mutate. */
  readonly bytes: Uint8Array;
  /**
   * Creates a `ByteString`.
   *
   * @param bytes The raw bytes (copied).
   */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes.slice();
  }
  /** Bin-v1 tag. */
  get dataTag(): 5 {
    return 5;
  }
  /** Printable ASCII as is, every other byte as `\xNN`. */
  toString(): string {
    let s = "";
    for (const b of this.bytes) {
      s += b >= 0x20 && b < 0x7f && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, "0")}`;
    }
    return s;
  }
  /** Byte-wise equality with another `ByteString` or the UTF-8 bytes of a string. */
  equals(other: ByteString | string): boolean {
    const o = typeof other === "string" ? ENCODER.encode(other) : other.bytes;
    return compareBytes(this.bytes, o) === 0;
  }
}

/**
 * An unsigned 64-bit count.
 *
 * @example
 * ```ts
 * import { Count } from "../../mod.ts";
 * new Count(2n ** 64n - 1n).value; // Zeek's largest count
 * ```
 */
export class Count {
  /** The value, 0..2^64-1. */
  readonly value: bigint;
  /**
   * Creates a `Count`.
   *
   * @param value 0..2^64-1 (a number must be a safe integer).
   * @throws {RangeError} When out of range or not an integer.
   */
  constructor(value: bigint | number) {
    const v = toBigInt(value, "count");
    if (v < 0n || v > COUNT_MAX) throw new RangeError(`Invalid count: ${v} is out of range`);
    this.value = v;
  }
  /** Bin-v1 tag. */
  get dataTag(): 2 {
    return 2;
  }
  /** Decimal text. */
  toString(): string {
    return this.value.toString();
  }
  /** Same value. */
  equals(other: Count): boolean {
    return this.value === other.value;
  }
}

/**
 * A signed 64-bit integer.
 *
 * @example
 * ```ts
 * import { Int } from "../../mod.ts";
 * new Int(-5).value; // -5n
 * ```
 */
export class Int {
  /** The value, -2^63..2^63-1. */
  readonly value: bigint;
  /**
   * Creates an `Int`.
   *
   * @param value -2^63..2^63-1 (a number must be a safe integer).
   * @throws {RangeError} When out of range or not an integer.
   */
  constructor(value: bigint | number) {
    const v = toBigInt(value, "integer");
    if (v < INT_MIN || v > INT_MAX) throw new RangeError(`Invalid integer: ${v} is out of range`);
    this.value = v;
  }
  /** Bin-v1 tag. */
  get dataTag(): 3 {
    return 3;
  }
  /** Decimal text. */
  toString(): string {
    return this.value.toString();
  }
  /** Same value. */
  equals(other: Int): boolean {
    return this.value === other.value;
  }
}

/**
 * An IPv4 or IPv6 address, 16 bytes in network order (IPv4 as IPv4-mapped `::ffff:a.b.c.d`).
 *
 * @example
 * ```ts
 * import { addr, Address } from "../../mod.ts";
 * const a: Address = addr("10.0.0.1");
 * a.toString(); // "10.0.0.1"
 * ```
 */
export class Address {
  /** The 16 bytes as four big-endian uint32 words (kept as numbers: no typed array per value). */
  readonly words: readonly [number, number, number, number];
  /**
   * Creates an `Address`.
   *
   * @param bytes 16 bytes, or 4 bytes of an IPv4 address.
   * @throws {RangeError} For any other length.
   */
  constructor(bytes: Uint8Array) {
    const word = (i: number) =>
      ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    if (bytes.length === 4) this.words = [0, 0, 0xffff, word(0)];
    else if (bytes.length === 16) this.words = [word(0), word(4), word(8), word(12)];
    else throw new RangeError(`Invalid address: ${bytes.length} bytes, need 4 or 16`);
  }
  /**
   * From four big-endian uint32 words.
   * @throws {RangeError} When a word is not a uint32.
   */
  static fromWords(w0: number, w1: number, w2: number, w3: number): Address {
    const a: Address = Object.create(Address.prototype);
    for (const w of [w0, w1, w2, w3]) {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) {
        throw new RangeError(`Invalid address word: ${w}`);
      }
    }
    (a as { words: readonly number[] }).words = [w0, w1, w2, w3];
    return a;
  }
  /**
   * Parses a dotted quad or IPv6 text.
   * @throws {SyntaxError} When the text is not an address.
   */
  static parse(text: string): Address {
    const bytes = parseIp(text);
    if (!bytes) throw new SyntaxError(`Invalid address: "${text}"`);
    return new Address(bytes);
  }
  /** Bin-v1 tag. */
  get dataTag(): 6 {
    return 6;
  }
  /** A fresh copy of the 16 bytes. */
  get bytes(): Uint8Array {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) out[i] = (this.words[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    return out;
  }
  /** Whether this is an IPv4(-mapped) address. */
  isV4(): boolean {
    const w = this.words;
    return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
  }
  /** Dotted quad for IPv4, RFC 5952 text for IPv6. */
  toString(): string {
    return formatIp(this.bytes);
  }
  /** Same bytes. */
  equals(other: Address): boolean {
    return compareWords(this.words, other.words) === 0;
  }
}

/**
 * A subnet: a masked network address plus a prefix length.
 *
 * @example
 * ```ts
 * import { addr, Subnet } from "../../mod.ts";
 * new Subnet(addr("10.0.0.0"), 8).toString(); // "10.0.0.0/8"
 * ```
 */
export class Subnet {
  /** The network address, masked to the prefix. */
  readonly network: Address;
  /** The prefix length in the 128-bit space (IPv4 /n is n + 96), as bin-v1 writes it. */
  readonly rawLength: number;
  /**
   * Creates a `Subnet`.
   *
   * @param network Any address in the subnet (it is masked).
   * @param length 0-32 for an IPv4 address, 0-128 otherwise.
   * @throws {RangeError} When the length is out of range.
   */
  constructor(network: Address, length: number) {
    const v4 = network.isV4();
    const max = v4 ? 32 : 128;
    if (!Number.isInteger(length) || length < 0 || length > max) {
      throw new RangeError(`Invalid subnet length: ${length}, need 0..${max}`);
    }
    const raw = v4 ? length + 96 : length;
    this.network = maskAddress(network, raw);
    this.rawLength = raw;
  }
  /**
   * Builds a subnet from the bin-v1 form: an address and a length 0..128 in the 128-bit space.
   * @throws {RangeError} When the length is above 128.
   */
  static fromRaw(address: Address, rawLength: number): Subnet {
    if (!Number.isInteger(rawLength) || rawLength < 0 || rawLength > 128) {
      throw new RangeError(`Invalid subnet length: ${rawLength}, need 0..128`);
    }
    const masked = maskAddress(address, rawLength);
    return new Subnet(masked, masked.isV4() ? rawLength - 96 : rawLength);
  }
  /**
   * Parses `addr/len` (`10.0.0.0/8`, `2001:db8::/32`, `[::1]/128`).
   * @throws {SyntaxError} When the text is not a subnet.
   */
  static parse(text: string): Subnet {
    const slash = text.lastIndexOf("/");
    let host = text.slice(0, slash);
    const len = text.slice(slash + 1);
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    const bytes = slash > 0 && /^\d{1,3}$/.test(len) ? parseIp(host) : undefined;
    const address = bytes ? new Address(bytes) : undefined;
    const n = Number(len);
    if (!address || n > (address.isV4() ? 32 : 128)) {
      throw new SyntaxError(`Invalid subnet: "${text}"`);
    }
    return new Subnet(address, n);
  }
  /** Bin-v1 tag. */
  get dataTag(): 7 {
    return 7;
  }
  /** The prefix length: 0-32 for IPv4, 0-128 for IPv6. */
  get length(): number {
    return this.network.isV4() ? this.rawLength - 96 : this.rawLength;
  }
  /** `addr/len`, IPv4 with its 0-32 length. */
  toString(): string {
    return `${this.network}/${this.length}`;
  }
  /** Same network and length. */
  equals(other: Subnet): boolean {
    return this.rawLength === other.rawLength && this.network.equals(other.network);
  }
}

/** A transport protocol of a {@link Port}; bin-v1 writes 0=unknown, 1=tcp, 2=udp, 3=icmp. */
export type PortProtocol = "unknown" | "tcp" | "udp" | "icmp";

/** Port protocols indexed by their bin-v1 byte. */
export const PORT_PROTOCOLS: readonly PortProtocol[] = ["unknown", "tcp", "udp", "icmp"];

/**
 * A port number with its protocol.
 *
 * @example
 * ```ts
 * import { Port } from "../../mod.ts";
 * new Port(53, "udp").toString(); // "53/udp"
 * ```
 */
export class Port {
  /** 0..65535. */
  readonly number: number;
  /** The protocol. */
  readonly protocol: PortProtocol;
  /**
   * Creates a `Port`.
   *
   * @param number 0..65535.
   * @param protocol The protocol, `"tcp"` by default.
   * @throws {RangeError} When the number or protocol is invalid.
   */
  constructor(number: number, protocol: PortProtocol = "tcp") {
    if (!Number.isInteger(number) || number < 0 || number > 65535) {
      throw new RangeError(`Invalid port number: ${number}`);
    }
    if (!PORT_PROTOCOLS.includes(protocol)) {
      throw new RangeError(`Invalid port protocol: "${protocol}"`);
    }
    this.number = number;
    this.protocol = protocol;
  }
  /**
   * Parses `80/tcp`, `53/udp`, `8/icmp`, `0/unknown` or `0/?`; a bare number means TCP.
   * @throws {SyntaxError} When the text is not a port.
   */
  static parse(text: string): Port {
    const m = /^(\d{1,5})(?:\/(tcp|udp|icmp|unknown|\?))?$/.exec(text);
    const n = m ? Number(m[1]) : NaN;
    if (!m || n > 65535) throw new SyntaxError(`Invalid port: "${text}"`);
    const p = m[2] === undefined ? "tcp" : m[2] === "?" ? "unknown" : m[2] as PortProtocol;
    return new Port(n, p);
  }
  /** Bin-v1 tag. */
  get dataTag(): 8 {
    return 8;
  }
  /** The bin-v1 protocol byte. */
  get protocolCode(): number {
    return PORT_PROTOCOLS.indexOf(this.protocol);
  }
  /** `80/tcp`, as Zeek prints ports. */
  toString(): string {
    return `${this.number}/${this.protocol}`;
  }
  /** Same number and protocol. */
  equals(other: Port): boolean {
    return this.number === other.number && this.protocol === other.protocol;
  }
}

/**
 * A point in time: int64 nanoseconds since the Unix epoch.
 *
 * @example
 * ```ts
 * import { Timestamp } from "../../mod.ts";
 * new Timestamp(1_700_000_000_000_000_000n); // 2023-11-14T22:13:20Z, in ns
 * ```
 */
export class Timestamp {
  /** Nanoseconds since the epoch. */
  readonly ns: bigint;
  /**
   * Creates a `Timestamp`.
   *
   * @throws {RangeError} When outside int64.
   */
  constructor(ns: bigint) {
    this.ns = checkNs(ns, "timestamp");
  }
  /** From seconds, truncating toward zero as Zeek does (`BigInt(Math.trunc(secs * 1e9))`). */
  static fromSeconds(secs: number): Timestamp {
    return new Timestamp(secondsToNs(secs, "timestamp"));
  }
  /** Bin-v1 tag. */
  get dataTag(): 9 {
    return 9;
  }
  /** Seconds as a double (`Number(ns) / 1e9`). */
  toSeconds(): number {
    return Number(this.ns) / 1e9;
  }
  /** ISO 8601 UTC text with nanoseconds, e.g. `2023-11-14T22:13:20.500000000Z`. */
  toString(): string {
    return `${formatTimestampNs(this.ns, 9)}Z`;
  }
  /** Same instant. */
  equals(other: Timestamp): boolean {
    return this.ns === other.ns;
  }
}

/**
 * A duration: int64 nanoseconds.
 *
 * @example
 * ```ts
 * import { Timespan } from "../../mod.ts";
 * new Timespan(1_500_000_000n); // 1.5 s, in ns
 * ```
 */
export class Timespan {
  /** Nanoseconds. */
  readonly ns: bigint;
  /**
   * Creates a `Timespan`.
   *
   * @throws {RangeError} When outside int64.
   */
  constructor(ns: bigint) {
    this.ns = checkNs(ns, "timespan");
  }
  /** From seconds, truncating toward zero as Zeek does. */
  static fromSeconds(secs: number): Timespan {
    return new Timespan(secondsToNs(secs, "timespan"));
  }
  /** Bin-v1 tag. */
  get dataTag(): 10 {
    return 10;
  }
  /** Seconds as a double. */
  toSeconds(): number {
    return Number(this.ns) / 1e9;
  }
  /** Integer plus the coarsest exact unit (`1500ms`, `2s`, `0s`). */
  toString(): string {
    return formatTimespan(this.ns);
  }
  /** Same duration. */
  equals(other: Timespan): boolean {
    return this.ns === other.ns;
  }
}

/**
 * An enum value, by its fully qualified name (e.g. `Cluster::WORKER`).
 *
 * @example
 * ```ts
 * import { EnumValue } from "../../mod.ts";
 * new EnumValue("Log::WRITER_ASCII").name; // "Log::WRITER_ASCII"
 * ```
 */
export class EnumValue {
  /** The name. */
  readonly name: string;
  /**
   * Creates an `EnumValue`.
   *
   * @param name The fully qualified name.
   */
  constructor(name: string) {
    this.name = name;
  }
  /** Bin-v1 tag. */
  get dataTag(): 11 {
    return 11;
  }
  /** The name. */
  toString(): string {
    return this.name;
  }
  /** Same name. */
  equals(other: EnumValue): boolean {
    return this.name === other.name;
  }
}

/** Any Broker value. A vector is a JS array. */
export type BrokerValue =
  | null
  | boolean
  | number
  | string
  | ByteString
  | Count
  | Int
  | Address
  | Subnet
  | Port
  | Timestamp
  | Timespan
  | EnumValue
  | BrokerSet
  | BrokerTable
  | readonly BrokerValue[];

// ---- constructor helpers -------------------------------------------------------------------

/**
 * A {@link Count}. @example count(5)
 *
 * @example
 * ```ts
 * import { count } from "../../mod.ts";
 * count(42); // Count 42
 * ```
 */
export function count(value: number | bigint): Count {
  return new Count(value);
}
/**
 * An {@link Int}. @example int(-1)
 *
 * @example
 * ```ts
 * import { int } from "../../mod.ts";
 * int(-1); // Int -1
 * ```
 */
export function int(value: number | bigint): Int {
  return new Int(value);
}
/**
 * An {@link Address} from text. @example addr("10.0.0.1")
 *
 * @example
 * ```ts
 * import { addr } from "../../mod.ts";
 * addr("2001:db8::1"); // Address 2001:db8::1
 * ```
 */
export function addr(text: string): Address {
  return Address.parse(text);
}
/**
 * A {@link Subnet} from text. @example subnet("10.0.0.0/8")
 *
 * @example
 * ```ts
 * import { subnet } from "../../mod.ts";
 * subnet("192.168.0.0/16"); // Subnet 192.168.0.0/16
 * ```
 */
export function subnet(text: string): Subnet {
  return Subnet.parse(text);
}
/**
 * A {@link Port}. @example port(80, "tcp")
 *
 * @example
 * ```ts
 * import { port } from "../../mod.ts";
 * port(443); // Port 443/tcp
 * ```
 */
export function port(number: number, protocol: PortProtocol = "tcp"): Port {
  return new Port(number, protocol);
}
/**
 * A {@link Timestamp} from seconds since the epoch. @example time(1700000000.5)
 *
 * @example
 * ```ts
 * import { time } from "../../mod.ts";
 * time(Date.now() / 1000); // Timestamp, now
 * ```
 */
export function time(secs: number): Timestamp {
  return Timestamp.fromSeconds(secs);
}
/**
 * A {@link Timespan} from seconds. @example interval(1.5)
 *
 * @example
 * ```ts
 * import { interval } from "../../mod.ts";
 * interval(30); // Timespan 30 s
 * ```
 */
export function interval(secs: number): Timespan {
  return Timespan.fromSeconds(secs);
}
/**
 * An {@link EnumValue}. @example enumValue("Cluster::WORKER")
 *
 * @example
 * ```ts
 * import { enumValue } from "../../mod.ts";
 * enumValue("Notice::ACTION_LOG"); // EnumValue Notice::ACTION_LOG
 * ```
 */
export function enumValue(name: string): EnumValue {
  return new EnumValue(name);
}

function maskAddress(address: Address, rawLength: number): Address {
  const w = address.words;
  const m = (i: number) => {
    const keep = Math.max(0, Math.min(32, rawLength - i * 32));
    return keep === 0 ? 0 : keep === 32 ? w[i]! : (w[i]! & (~0 << (32 - keep))) >>> 0;
  };
  const [m0, m1, m2, m3] = [m(0), m(1), m(2), m(3)];
  if (m0 === w[0] && m1 === w[1] && m2 === w[2] && m3 === w[3]) return address;
  return Address.fromWords(m0, m1, m2, m3);
}

function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Invalid ${what}: ${value} is not a safe integer`);
  }
  return BigInt(value);
}

function checkNs(ns: bigint, what: string): bigint {
  if (typeof ns !== "bigint" || ns < INT_MIN || ns > INT_MAX) {
    throw new RangeError(`Invalid ${what}: ${String(ns)} ns is out of the int64 range`);
  }
  return ns;
}

function secondsToNs(secs: number, what: string): bigint {
  const ns = secs * 1e9;
  if (!Number.isFinite(ns) || ns < -9.223372036854776e18 || ns >= 9.223372036854776e18) {
    throw new RangeError(`Invalid ${what}: ${secs} s is out of the int64 ns range`);
  }
  return BigInt(Math.trunc(ns));
}
