/**
 * The transport contract between the cluster logic and a message backend, plus an in-memory hub
 * for unit tests. The ZeroMQ implementation lives in `./zeromq/mod.ts` (the only module that
 * imports `zeromq`); roles depend on this module only.
 *
 * ```ts
 * import { createMemoryHub, type TransportHandlers } from "./mod.ts";
 * const handlers: TransportHandlers = {
 *   onMessage: (m) => console.log(m.topic),
 *   onSubscription: (s) => console.log(s.type, s.topic),
 *   onLog: () => {},
 *   onError: (code, message) => console.error(code, message),
 * };
 * await using t = createMemoryHub().attach(handlers);
 * t.subscribe("zeek.cluster.");
 * ```
 *
 * @module
 */

export {
  DEFAULT_ONLOOP_QUEUE_HWM,
  emptyTransportStats,
  LOG_WRITE_SEQ_PREFIX,
  LOG_WRITE_TOPIC,
  parseLogWriteSeq,
} from "./transport.ts";
export type {
  LogBatch,
  LogTarget,
  SubscriptionEvent,
  Transport,
  TransportErrorCode,
  TransportHandlers,
  TransportMessage,
  TransportStats,
} from "./transport.ts";
export { createMemoryHub, DEFAULT_MEMORY_TRANSPORT_OPTIONS } from "./memory_transport.ts";
export type { MemoryHub, MemoryTransportOptions } from "./memory_transport.ts";
export type { StartableTransport, TransportFactory, TransportSecurity } from "./factory.ts";
