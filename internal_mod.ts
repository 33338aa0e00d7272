/**
 * zcluster's internal surface: every folder's API, including the parts that are not promised to
 * site code (codecs, writers, the control formatters, the socket pump, the SQLite commit thread,
 * the on-loop queue). The CLI, tests and benches import from here or from the files directly;
 * site code imports `mod.ts`, whose names are a curated subset of these. Names exported here may
 * change in any release.
 *
 * @module
 */
export * from "./lib/errors.ts";
export * from "./lib/clock.ts";
export * from "./lib/version.ts";
export * from "./lib/layout/mod.ts";
export * from "./lib/topics/mod.ts";
export * from "./lib/options/mod.ts";
export * from "./lib/diagnostics/mod.ts";
export * from "./lib/net/mod.ts";
export * from "./lib/locks/mod.ts";
export * from "./lib/security/mod.ts";
export * from "./lib/node/mod.ts";
export * from "./lib/roles/mod.ts";
export * from "./lib/pools/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/transport/mod.ts";
export * from "./lib/transport/onloop_queue.ts";
export * from "./lib/transport/zeromq/mod.ts";
export * from "./lib/membership/mod.ts";
export * from "./lib/cluster/mod.ts";
export * from "./lib/serialization/mod.ts";
export * from "./lib/logging/mod.ts";
export * from "./lib/logging/log_service.ts";
export * from "./lib/logging/sink.ts";
export * from "./lib/logging/files/compress.ts";
export * from "./lib/stores/mod.ts";
export * from "./lib/stores/sqlite_commit_thread.ts";
export * from "./lib/websocket/mod.ts";
export * from "./lib/control/mod.ts";
export * from "./lib/deploy/mod.ts";
export * from "./lib/supervisor/mod.ts";
export * from "./lib/cli/mod.ts";
export * from "./lib/status/mod.ts";
