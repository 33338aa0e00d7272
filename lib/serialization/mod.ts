/**
 * Broker data and the two Zeek event formats: the data model (`data.ts`, `containers.ts`,
 * `compare.ts`), Broker binary v1
 * (`bin_v1.ts`), Broker JSON v1 (`json_v1.ts`) and the event message wrapped in either
 * (`event.ts`), byte-compatible with Zeek's ZeroMQ cluster backend.
 *
 * @example
 * ```ts
 * import { BinV1EventSerializer, count, decodeBinV1, encodeBinV1, port } from "./mod.ts";
 *
 * const bytes = encodeBinV1([port(80, "tcp"), count(5)]);
 * decodeBinV1(bytes); // [Port 80/tcp, Count 5]
 *
 * const serializer = new BinV1EventSerializer();
 * const payload = serializer.encode({ name: "Cluster::hello", args: ["worker-1", "id"] });
 * serializer.decode(payload).name; // "Cluster::hello"
 * ```
 *
 * @module
 */

export {
  addr,
  Address,
  ByteString,
  Count,
  count,
  COUNT_MAX,
  DATA_TAG,
  EnumValue,
  enumValue,
  Int,
  int,
  INT_MAX,
  INT_MIN,
  interval,
  Port,
  port,
  PORT_PROTOCOLS,
  Subnet,
  subnet,
  time,
  Timespan,
  Timestamp,
} from "./data.ts";
export type { BrokerValue, PortProtocol } from "./data.ts";
export { BrokerSet, BrokerTable, set, table } from "./containers.ts";
export type { TableEntry } from "./containers.ts";
export {
  compareBytes,
  compareValues,
  compareWords,
  dataTagOf,
  valuesEqual,
  valueToString,
} from "./compare.ts";
export { DEFAULT_MAX_DEPTH } from "./_bin_v1.ts";
export { BinV1Encoder, decodeBinV1, encodeBinV1 } from "./bin_v1.ts";
export type { BinV1Options } from "./bin_v1.ts";
export { decodeJsonV1, encodeJsonV1, encodeJsonV1Bytes } from "./json_v1.ts";
export type { JsonV1EncodeOptions, JsonV1Options } from "./json_v1.ts";
export {
  BinV1EventSerializer,
  BROKER_BIN_V1,
  BROKER_JSON_V1,
  createEventSerializer,
  decodeEvent,
  encodeEvent,
  EVENT_FORMATS,
  EVENT_MESSAGE_TYPE,
  EVENT_PROTOCOL_VERSION,
  eventFromValue,
  eventToValue,
  JsonV1EventSerializer,
  NETWORK_TIMESTAMP,
  networkTimestamp,
} from "./event.ts";
export type {
  EventCodecOptions,
  EventFormat,
  EventMetadataEntry,
  EventSerializer,
  ZeekEvent,
} from "./event.ts";
export {
  checkEventArgs,
  fitsParamType,
  validateParamTypes,
  ZEEK_PARAM_TYPES,
} from "./signature.ts";
export type { ZeekParamType } from "./signature.ts";
