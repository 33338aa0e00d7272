/**
 * Internal Broker JSON v1 writer (spec §5.3); see `json_v1.ts` for the rules.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import type { ByteSink } from "../byte_sink.ts";
import type { BrokerObject } from "./_bin_v1.ts";
import { formatReal, formatTimespan, formatTimestampMs } from "./_text.ts";
import type { BrokerValue, ByteString } from "./data.ts";

/** JSON escape of each byte that Broker escapes (spec §5.3), indexed by byte. */
function escapeOf(c: number): string | undefined {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
  }
  return undefined;
}

function needsEscape(c: number): boolean {
  return c === 0x22 || c === 0x5c || (c >= 0x08 && c <= 0x0d);
}

/** Writes a quoted string with Broker's escaping. */
export function writeJsonString(w: ByteSink, s: string | ByteString): void {
  w.byte(0x22);
  if (typeof s === "string") {
    let last = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (!needsEscape(c)) continue;
      if (i > last) w.utf8(s.slice(last, i));
      w.ascii(escapeOf(c)!);
      last = i + 1;
    }
    if (last === 0) w.utf8(s);
    else if (last < s.length) w.utf8(s.slice(last));
  } else {
    const b = s.bytes;
    let last = 0;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (!needsEscape(c)) continue;
      if (i > last) w.bytes(b, last, i);
      w.ascii(escapeOf(c)!);
      last = i + 1;
    }
    if (last < b.length) w.bytes(b, last, b.length);
  }
  w.byte(0x22);
}

function open(w: ByteSink, type: string, prefix: string): void {
  w.byte(0x7b);
  if (prefix) w.utf8(prefix);
  w.ascii('"@data-type":"');
  w.ascii(type);
  w.ascii('","data":');
}

function scalar(w: ByteSink, type: string, data: string, prefix = ""): void {
  open(w, type, prefix);
  w.ascii(data);
  w.byte(0x7d);
}

function quoted(w: ByteSink, type: string, data: string | ByteString, prefix = ""): void {
  open(w, type, prefix);
  writeJsonString(w, data);
  w.byte(0x7d);
}

/**
 * Appends the JSON v1 object for `value`, with optional leading string fields at the top.
 * @throws {SerializationError} When containers nest deeper than `depthLeft`.
 * @throws {TypeError} When `value` is not a Broker value.
 */
export function writeJsonValue(
  w: ByteSink,
  value: BrokerValue,
  depthLeft: number,
  fields?: Readonly<Record<string, string>>,
): void {
  const p = fields ? fieldsPrefix(fields) : "";
  switch (typeof value) {
    case "boolean":
      return scalar(w, "boolean", value ? "true" : "false", p);
    case "number":
      return scalar(w, "real", formatReal(value), p);
    case "string":
      return quoted(w, "string", value, p);
    case "object":
      if (value === null) return scalar(w, "none", "{}", p);
      if (Array.isArray(value)) return list(w, "vector", value, depthLeft, p);
      return writeObject(w, value as BrokerObject, depthLeft, p);
  }
  throw new TypeError(`Cannot encode value: ${typeof value} is not a Broker value`);
}

function writeObject(w: ByteSink, value: BrokerObject, depthLeft: number, p: string): void {
  switch (value.dataTag) {
    case 2:
      return scalar(w, "count", value.value.toString(), p);
    case 3:
      return scalar(w, "integer", value.value.toString(), p);
    case 5:
      return quoted(w, "string", value, p);
    case 6:
      return quoted(w, "address", value.toString(), p);
    case 7:
      return quoted(w, "subnet", value.toString(), p);
    case 8: {
      const proto = value.protocol === "unknown" ? "?" : value.protocol;
      return quoted(w, "port", `${value.number}/${proto}`, p);
    }
    case 9:
      return quoted(w, "timestamp", formatTimestampMs(value.ns), p);
    case 10:
      return quoted(w, "timespan", formatTimespan(value.ns), p);
    case 11:
      return quoted(w, "enum-value", value.name, p);
    case 12:
      return list(w, "set", value.values, depthLeft, p);
    case 13: {
      if (depthLeft <= 0) throw depthError();
      open(w, "table", p);
      w.byte(0x5b);
      const entries = value.entries;
      for (let i = 0; i < entries.length; i++) {
        if (i > 0) w.byte(0x2c);
        w.ascii('{"key":');
        writeJsonValue(w, entries[i]![0], depthLeft - 1);
        w.ascii(',"value":');
        writeJsonValue(w, entries[i]![1], depthLeft - 1);
        w.byte(0x7d);
      }
      w.ascii("]}");
      return;
    }
  }
  throw new TypeError(`Cannot encode value: ${String(value)} is not a Broker value`);
}

function list(
  w: ByteSink,
  type: string,
  values: readonly BrokerValue[],
  depthLeft: number,
  prefix = "",
): void {
  if (depthLeft <= 0) throw depthError();
  open(w, type, prefix);
  w.byte(0x5b);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) w.byte(0x2c);
    writeJsonValue(w, values[i]!, depthLeft - 1);
  }
  w.ascii("]}");
}

function depthError(): SerializationError {
  return new SerializationError("Cannot encode value: containers nest deeper than maxDepth");
}

function fieldsPrefix(fields: Readonly<Record<string, string>>): string {
  let out = "";
  for (const [k, v] of Object.entries(fields)) out += `${jsonText(k)}:${jsonText(v)},`;
  return out;
}

function jsonText(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += needsEscape(c) ? escapeOf(c)! : ch;
  }
  return `"${out}"`;
}
