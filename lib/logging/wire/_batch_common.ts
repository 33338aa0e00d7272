/**
 * The log batch type and the facts its encoder and decoder share (the decoder needs nothing else
 * from `batch_codec.ts`, so the two do not import each other).
 *
 * @module
 */

import type { PortProto, ScalarTypeName } from "../schema/schema.ts";
import { type LogField, type LogRow, splitType, typeTags } from "../schema/schema.ts";

/** One decoded (or to be encoded) log batch: every record of one writer flush. */
export interface LogBatchData {
  /** The `Log::ID` enum name, e.g. `Conn::LOG`. */
  readonly streamName: string;
  /** The `Log::Writer` enum name, e.g. `Log::WRITER_ASCII`. */
  readonly writerName: string;
  /** The filter name, e.g. `default`. */
  readonly filterName: string;
  /** The path, e.g. `conn`. */
  readonly path: string;
  /** The flattened columns. */
  readonly fields: readonly LogField[];
  /** The records, one value per field each. */
  readonly records: readonly LogRow[];
}

/** Zeek `TransportProto` numbers of the port protocols. */
export const PROTO_CODES: Readonly<Record<PortProto, number>> = {
  unknown: 0,
  tcp: 1,
  udp: 2,
  icmp: 3,
};
/** Port protocol names by `TransportProto` number. */
export const PROTO_NAMES: readonly PortProto[] = ["unknown", "tcp", "udp", "icmp"];
/** Smallest encoded Field: bool + empty name + type + subtype + bool. */
export const MIN_FIELD_BYTES = 14;
/** Smallest encoded Value: type + subtype + present. */
export const MIN_VALUE_BYTES = 9;

/** Per-field facts computed once per batch. */
export interface Plan {
  readonly field: LogField;
  readonly tag: number;
  readonly etag: number;
  readonly container: "set" | "vector" | undefined;
  readonly scalar: ScalarTypeName;
}

/** Computes the plan of one field. */
export function planOf(field: LogField): Plan {
  const { container, scalar } = splitType(field.type);
  return { field, tag: typeTags(field.type).tag, etag: typeTags(scalar).tag, container, scalar };
}
