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
export * from "./data.ts";
export * from "./containers.ts";
export * from "./compare.ts";
export * from "./bin_v1.ts";
export * from "./json_v1.ts";
export * from "./event.ts";
export * from "./signature.ts";
