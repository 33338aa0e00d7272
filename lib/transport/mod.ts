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

export * from "./transport.ts";
export * from "./onloop_queue.ts";
export * from "./memory_transport.ts";
