/**
 * Log stream schemas: column types, Zeek TypeTags, stream definitions and record validation.
 *
 * Value representation (what rows hold, what the codec decodes to and the writers format):
 *
 * | column type | JS value |
 * |---|---|
 * | `time`, `interval`, `double` | `number` (seconds for time and interval) |
 * | `count`, `int` | `bigint`, or a safe-integer `number` (the decoder always gives `bigint`) |
 * | `string` | `string` (written as UTF-8), or `Uint8Array` for raw bytes that are not UTF-8 |
 * | `enum` | `string`, the fully qualified name (`"Conn::LOG"`) |
 * | `bool` | `boolean` |
 * | `addr` | `string`, canonical text (`"10.0.0.1"`, `"2001:db8::1"`; IPv4-mapped as IPv4) |
 * | `subnet` | `string`, canonical masked text (`"10.0.0.0/8"`, `"2001:db8::/32"`) |
 * | `port` | {@linkcode LogPort} `{ port, proto }` |
 * | `set[T]`, `vector[T]` | an array of element values (a `Set` is accepted on input); a vector hole is `null` |
 * | unset (`optional`) | `null` (`undefined` is accepted on input) |
 *
 * @module
 */

import { formatIp, formatSubnet, parseBracketedIp, parseSubnet } from "../../net/ip.ts";

/** Zeek's `TypeTag` values (`src/Type.h`), as written in the binary log batch. */
export const TYPE_TAG = {
  VOID: 0,
  BOOL: 1,
  INT: 2,
  COUNT: 3,
  DOUBLE: 4,
  TIME: 5,
  INTERVAL: 6,
  STRING: 7,
  PATTERN: 8,
  ENUM: 9,
  PORT: 10,
  ADDR: 11,
  SUBNET: 12,
  ANY: 13,
  TABLE: 14,
  RECORD: 15,
  LIST: 16,
  FUNC: 17,
  FILE: 18,
  VECTOR: 19,
  OPAQUE: 20,
  TYPE: 21,
  ERROR: 22,
} as const;

/** One Zeek TypeTag number. */
export type TypeTag = typeof TYPE_TAG[keyof typeof TYPE_TAG];

/** A scalar log column type, named as in an ASCII log's `#types` line. */
export type ScalarTypeName =
  | "time"
  | "interval"
  | "string"
  | "count"
  | "int"
  | "double"
  | "bool"
  | "addr"
  | "subnet"
  | "port"
  | "enum";

/** Any log column type: a scalar, `set[T]` or `vector[T]`. */
export type LogTypeName = ScalarTypeName | `set[${ScalarTypeName}]` | `vector[${ScalarTypeName}]`;

/** The transport protocol of a port, as Zeek's `TransportProto` (0 unknown, 1 tcp, 2 udp, 3 icmp). */
export type PortProto = "unknown" | "tcp" | "udp" | "icmp";

/** A port value. Only `port` is logged; `proto` travels in the binary batch. */
export interface LogPort {
  /** Port number, 0..65535. */
  readonly port: number;
  /** Transport protocol. */
  readonly proto: PortProto;
}

/** A non-container log value (see the module table). */
export type LogScalar = number | bigint | string | boolean | Uint8Array | LogPort;

/** A log value: a scalar or a container of scalars (`null` marks a vector hole). */
export type LogValue = LogScalar | readonly (LogScalar | null)[];

/** One record as a row: one value per flattened field, `null` when unset. */
export type LogRow = readonly (LogValue | null)[];

/** A column with its options. */
export interface ColumnSpec {
  /** Column type. */
  readonly type: LogTypeName;
  /** `&optional`: the value may be unset. */
  readonly optional?: boolean;
}

/** A nested record column, flattened to `parent.child` names. */
export interface RecordColumnSpec {
  /** The nested record's columns. */
  readonly record: LogColumns;
  /** An optional record makes every flattened field optional. */
  readonly optional?: boolean;
}

/** Column definitions of a stream, in log order. */
export interface LogColumns {
  /** One column: a type name, or a spec with options, or a nested record. */
  readonly [name: string]: LogTypeName | ColumnSpec | RecordColumnSpec;
}

/** One flattened column, as carried in a binary batch and written in `#fields` / `#types`. */
export interface LogField {
  /** Dotted name, e.g. `id.orig_h`. */
  readonly name: string;
  /** Column type. */
  readonly type: LogTypeName;
  /** `&optional`. */
  readonly optional: boolean;
  /** Field subtype on the wire for a scalar column when not 0 (only seen in test vectors). */
  readonly wireSubtype?: number;
  /** The rarely used secondary name (Zeek's logging never sets it). */
  readonly secondaryName?: string;
}

/** A stream definition, as Zeek's `Log::create_stream`. */
export interface LogStreamOptions {
  /** Columns of the stream's records. */
  readonly columns: LogColumns;
  /** Default path (file name without `.log`). */
  readonly path: string;
  /** Policy: return false to veto a record (Zeek's `policy` hook `break`). */
  readonly policy?: (record: Readonly<Record<string, unknown>>) => boolean;
}

/** A created stream. */
export interface LogStream extends LogStreamOptions {
  /** Stream id, the `Log::ID` enum name (e.g. `Conn::LOG`). */
  readonly id: string;
  /** The flattened fields, in order. */
  readonly fields: readonly LogField[];
}

/** Options of {@linkcode validateRecord}. */
export interface ValidateOptions {
  /** Stream name used in error messages. */
  readonly stream?: string;
}

/** Every scalar log column type, in Zeek's order of the type tags. */
export const SCALAR_TYPE_NAMES: readonly ScalarTypeName[] = [
  "time",
  "interval",
  "string",
  "count",
  "int",
  "double",
  "bool",
  "addr",
  "subnet",
  "port",
  "enum",
];

const SCALARS: ReadonlySet<string> = new Set<string>(SCALAR_TYPE_NAMES);

const SCALAR_TAGS: Readonly<Record<ScalarTypeName, TypeTag>> = {
  time: TYPE_TAG.TIME,
  interval: TYPE_TAG.INTERVAL,
  string: TYPE_TAG.STRING,
  count: TYPE_TAG.COUNT,
  int: TYPE_TAG.INT,
  double: TYPE_TAG.DOUBLE,
  bool: TYPE_TAG.BOOL,
  addr: TYPE_TAG.ADDR,
  subnet: TYPE_TAG.SUBNET,
  port: TYPE_TAG.PORT,
  enum: TYPE_TAG.ENUM,
};

/** Whether `name` is a supported log column type. */
export function isLogTypeName(name: string): name is LogTypeName {
  const m = /^(set|vector)\[(\w+)\]$/.exec(name);
  return SCALARS.has(m ? m[2]! : name);
}

/** Splits a type name into container kind and scalar element type. */
export function splitType(
  type: LogTypeName,
): { container: "set" | "vector" | undefined; scalar: ScalarTypeName } {
  if (type.startsWith("set[")) {
    return { container: "set", scalar: type.slice(4, -1) as ScalarTypeName };
  }
  if (type.startsWith("vector[")) {
    return { container: "vector", scalar: type.slice(7, -1) as ScalarTypeName };
  }
  return { container: undefined, scalar: type as ScalarTypeName };
}

/**
 * The TypeTag and subtype TypeTag of a column type, as a batch Field carries them.
 *
 * @example
 * ```ts
 * import { typeTags } from "./schema.ts";
 * typeTags("set[string]"); // { tag: 14, subtag: 7 }
 * ```
 */
export function typeTags(type: LogTypeName): { tag: TypeTag; subtag: TypeTag } {
  const { container, scalar } = splitType(type);
  if (container === "set") return { tag: TYPE_TAG.TABLE, subtag: SCALAR_TAGS[scalar] };
  if (container === "vector") return { tag: TYPE_TAG.VECTOR, subtag: SCALAR_TAGS[scalar] };
  return { tag: SCALAR_TAGS[scalar], subtag: TYPE_TAG.VOID };
}

/** The scalar type name of a TypeTag, or undefined for a tag logs cannot carry. */
export function scalarTypeOfTag(tag: number): ScalarTypeName | undefined {
  return SCALAR_OF_TAG.get(tag);
}

const SCALAR_OF_TAG: ReadonlyMap<number, ScalarTypeName> = new Map(
  Object.entries(SCALAR_TAGS).map(([name, t]) => [t, name as ScalarTypeName]),
);

function isSpec(v: ColumnSpec | RecordColumnSpec): v is ColumnSpec {
  return "type" in v && typeof (v as ColumnSpec).type === "string";
}

/**
 * Flattens column definitions into fields, nested records as dotted names.
 *
 * @throws {TypeError} for an unknown column type or a bad column definition
 */
export function flattenColumns(columns: LogColumns): LogField[] {
  const out: LogField[] = [];
  const walk = (cols: LogColumns, prefix: string, parentOptional: boolean) => {
    for (const [key, def] of Object.entries(cols)) {
      const name = prefix + key;
      if (typeof def === "string") {
        if (!isLogTypeName(def)) {
          throw new TypeError(`Invalid column "${name}": unknown type "${def}"`);
        }
        out.push({ name, type: def, optional: parentOptional });
      } else if (def !== null && typeof def === "object" && isSpec(def)) {
        if (!isLogTypeName(def.type)) {
          throw new TypeError(`Invalid column "${name}": unknown type "${def.type}"`);
        }
        out.push({ name, type: def.type, optional: parentOptional || def.optional === true });
      } else if (def !== null && typeof def === "object" && "record" in def) {
        walk(def.record, `${name}.`, parentOptional || def.optional === true);
      } else {
        throw new TypeError(`Invalid column "${name}": expected a type, { type } or { record }`);
      }
    }
  };
  walk(columns, "", false);
  return out;
}

/**
 * Defines a log stream, as Zeek's `Log::create_stream(id, [$columns, $path, $policy])`.
 *
 * @param id the `Log::ID` enum name, e.g. `Conn::LOG`
 * @param options columns, path and optional policy
 * @returns the stream with its flattened fields
 * @throws {TypeError} for a bad column definition or an empty path
 * @example
 * ```ts
 * import { createStream } from "./schema.ts";
 * const conn = createStream("Conn::LOG", {
 *   path: "conn",
 *   columns: { ts: "time", uid: "string", id: { record: { orig_h: "addr", orig_p: "port" } } },
 * });
 * conn.fields.map((f) => f.name); // ["ts", "uid", "id.orig_h", "id.orig_p"]
 * ```
 */
export function createStream(id: string, options: LogStreamOptions): LogStream {
  if (!options.path) throw new TypeError(`Cannot create stream "${id}": path is empty`);
  return { ...options, id, fields: flattenColumns(options.columns) };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Uint8Array) return "Uint8Array";
  if (v instanceof Set) return "Set";
  if (typeof v === "string") {
    return `string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v)}`;
  }
  if (typeof v === "number" || typeof v === "bigint") return `${typeof v} ${String(v)}`;
  return typeof v;
}

const PROTOS: ReadonlySet<string> = new Set(["unknown", "tcp", "udp", "icmp"]);
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

/** Validates and normalizes one scalar; returns undefined when it does not fit the type. */
export function normalizeScalar(type: ScalarTypeName, v: unknown): LogScalar | undefined {
  switch (type) {
    case "time":
    case "interval":
    case "double":
      return typeof v === "number" ? v : undefined;
    case "count":
      if (typeof v === "bigint") return v >= 0n && v <= MAX_U64 ? v : undefined;
      return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
    case "int":
      if (typeof v === "bigint") return v >= MIN_I64 && v <= MAX_I64 ? v : undefined;
      return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;
    case "string":
      return typeof v === "string" || v instanceof Uint8Array ? v : undefined;
    case "enum":
      return typeof v === "string" ? v : undefined;
    case "bool":
      return typeof v === "boolean" ? v : undefined;
    case "addr": {
      if (typeof v !== "string") return undefined;
      const bytes = parseBracketedIp(v);
      return bytes ? formatIp(bytes) : undefined;
    }
    case "subnet": {
      if (typeof v !== "string") return undefined;
      const sn = parseSubnet(v);
      return sn ? formatSubnet(sn.bytes, sn.length128) : undefined;
    }
    case "port": {
      if (v === null || typeof v !== "object") return undefined;
      const p = v as Partial<LogPort>;
      const ok = typeof p.port === "number" && Number.isInteger(p.port) && p.port >= 0 &&
        p.port <= 65535 && typeof p.proto === "string" && PROTOS.has(p.proto);
      return ok ? { port: p.port!, proto: p.proto! } : undefined;
    }
  }
}

function lookup(record: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in record) return record[name];
  let cur: unknown = record;
  for (const part of name.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Validates a record against a stream's columns and returns it as a normalized row (addresses and
 * subnets canonical, sets as arrays, unset as `null`). Nested records may be nested objects or
 * dotted keys. Properties that are not columns are ignored, as Zeek ignores non-`&log` fields.
 *
 * @param columns the stream's columns, or its flattened fields
 * @param record the record
 * @param options the stream name for error messages
 * @returns the row, one value per field
 * @throws {TypeError} naming the field, e.g.
 *   `Cannot write record to stream "conn": field "id.orig_h": expected addr, got number 5`
 * @example
 * ```ts
 * import { validateRecord } from "./schema.ts";
 * validateRecord({ ts: "time", h: "addr" }, { ts: 1.5, h: "::ffff:10.0.0.1" }); // [1.5, "10.0.0.1"]
 * ```
 */
export function validateRecord(
  columns: LogColumns | readonly LogField[],
  record: unknown,
  options: ValidateOptions = {},
): LogRow {
  const where = options.stream === undefined
    ? "Cannot write record"
    : `Cannot write record to stream "${options.stream}"`;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new TypeError(`${where}: expected an object, got ${describe(record)}`);
  }
  const fields = Array.isArray(columns)
    ? columns as readonly LogField[]
    : flattenColumns(columns as LogColumns);
  const row: (LogValue | null)[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = lookup(record as Record<string, unknown>, f.name);
    const fail = (detail: string): never => {
      throw new TypeError(`${where}: field "${f.name}": ${detail}`);
    };
    if (v === undefined || v === null) {
      if (!f.optional) fail(`expected ${f.type}, got ${v === null ? "null" : "undefined"}`);
      row[i] = null;
      continue;
    }
    const { container, scalar } = splitType(f.type);
    if (container === undefined) {
      const n = normalizeScalar(scalar, v);
      if (n === undefined) fail(`expected ${f.type}, got ${describe(v)}`);
      row[i] = n!;
      continue;
    }
    const items = v instanceof Set
      ? [...v]
      : Array.isArray(v)
      ? v
      : fail(`expected ${f.type}, got ${describe(v)}`);
    const out: (LogScalar | null)[] = [];
    for (let j = 0; j < items.length; j++) {
      const e: unknown = items[j];
      if ((e === undefined || e === null) && container === "vector") {
        out.push(null);
        continue;
      }
      const n = normalizeScalar(scalar, e);
      if (n === undefined) fail(`element ${j}: expected ${scalar}, got ${describe(e)}`);
      out.push(n!);
    }
    row[i] = out;
  }
  return row;
}
