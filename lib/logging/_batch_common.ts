/**
 * Facts shared by the log batch encoder and decoder.
 *
 * @module
 */

import type { PortProto, ScalarTypeName } from "./schema.ts";
import { type LogField, splitType, typeTags } from "./schema.ts";

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
