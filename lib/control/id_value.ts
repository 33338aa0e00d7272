/**
 * The answer to `Control::id_value_request(id)`: an option looked up by its zcluster name
 * (`retryIntervalMs`, `zeromq.lingerMs`) or by Zeek's name (`Cluster::retry_interval`,
 * `Cluster::Backend::ZeroMQ::linger_ms`), formatted as Zeek's `fmt("%s", lookup_ID(id))` prints
 * the Zeek value (intervals as `1.0 sec`, booleans as `T`/`F`, enums by name).
 *
 * @module
 */
import type { ClusterOptions } from "../options/options.ts";
import type { ZeroMqOptions } from "../options/zeromq_options.ts";

/** What Zeek's `lookup_ID()` gives for an unknown id. */
export const UNKNOWN_ID = "<unknown id>";

/** How a Zeek id's value is typed. */
type ZeekKind = "interval_ms" | "plain" | "set" | "event_serializer" | "log_serializer" | "backend";

interface ZeekId {
  readonly path: string;
  readonly kind: ZeekKind;
}

const ZEROMQ_IDS: readonly (keyof ZeroMqOptions)[] = [
  "connectXpubEndpoint",
  "connectXsubEndpoint",
  "connectLogEndpoints",
  "runProxyThread",
  "proxyIoThreads",
  "listenXsubEndpoint",
  "listenXpubEndpoint",
  "listenLogEndpoint",
  "lingerMs",
  "xpubSndhwm",
  "xpubSndbuf",
  "xsubRcvhwm",
  "xsubRcvbuf",
  "onloopQueueHwm",
  "logImmediate",
  "logSndhwm",
  "logRcvhwm",
  "logSndbuf",
  "logRcvbuf",
  "ipv6",
  "connectXpubNodrop",
  "listenXpubNodrop",
  "pollMaxMessages",
  "internalTopicPrefix",
];

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function zeekIds(): ReadonlyMap<string, ZeekId> {
  const ids = new Map<string, ZeekId>([
    ["Cluster::node", { path: "node", kind: "plain" }],
    ["Cluster::retry_interval", { path: "retryIntervalMs", kind: "interval_ms" }],
    ["Cluster::manager_is_logger", { path: "managerIsLogger", kind: "plain" }],
    ["Cluster::broadcast_topics", { path: "broadcastTopics", kind: "set" }],
    ["Cluster::default_backend", { path: "defaultBackend", kind: "backend" }],
    ["Cluster::default_persistent_backend", { path: "defaultPersistentBackend", kind: "backend" }],
    ["Cluster::default_store_dir", { path: "defaultStoreDir", kind: "plain" }],
    ["Cluster::default_master_node", { path: "defaultMasterNode", kind: "plain" }],
    ["Cluster::enable_round_robin_logging", { path: "enableRoundRobinLogging", kind: "plain" }],
    ["Cluster::event_serializer", { path: "eventSerializer", kind: "event_serializer" }],
    ["Cluster::log_serializer", { path: "logSerializer", kind: "log_serializer" }],
    ["Cluster::node_topic_prefix", { path: "nodeTopicPrefix", kind: "plain" }],
    ["Cluster::nodeid_topic_prefix", { path: "nodeidTopicPrefix", kind: "plain" }],
    ["Cluster::manager_topic", { path: "managerTopic", kind: "plain" }],
    ["Cluster::logger_topic", { path: "loggerTopic", kind: "plain" }],
    ["Cluster::proxy_topic", { path: "proxyTopic", kind: "plain" }],
    ["Cluster::worker_topic", { path: "workerTopic", kind: "plain" }],
    ["EventMetadata::add_network_timestamp", { path: "addNetworkTimestamp", kind: "plain" }],
    ["Log::write_buffer_size", { path: "logWriteBufferSize", kind: "plain" }],
    ["Log::flush_interval", { path: "logFlushIntervalMs", kind: "interval_ms" }],
    ["Log::default_rotation_interval", { path: "rotationIntervalMs", kind: "interval_ms" }],
    ["Cluster::Backend::ZeroMQ::hello_expiration", {
      path: "zeromq.helloExpirationMs",
      kind: "interval_ms",
    }],
  ]);
  for (const key of ZEROMQ_IDS) {
    ids.set(`Cluster::Backend::ZeroMQ::${snake(key)}`, { path: `zeromq.${key}`, kind: "plain" });
  }
  return ids;
}

const INTERVAL_UNITS: readonly [number, string][] = [
  [86_400, "day"],
  [3_600, "hr"],
  [60, "min"],
  [1, "sec"],
  [1e-3, "msec"],
  [1e-6, "usec"],
];

function zeekDouble(n: number): string {
  if (Number.isInteger(n)) return `${n}.0`;
  return String(Number(n.toPrecision(6)));
}

/**
 * Formats an interval as Zeek prints one: whole days, hours, minutes, seconds and milliseconds,
 * then the rest in microseconds, each as a double with its unit (`1.0 sec`, `1.0 min 30.0 secs`,
 * `0 secs`).
 *
 * @example
 * ```ts
 * import { formatZeekInterval } from "./id_value.ts";
 * formatZeekInterval(1.5); // "1.0 sec 500.0 msecs"
 * ```
 *
 * @param seconds The interval in seconds.
 * @returns Zeek's text.
 */
export function formatZeekInterval(seconds: number): string {
  if (seconds === 0) return "0 secs";
  let v = seconds;
  const parts: string[] = [];
  INTERVAL_UNITS.forEach(([unit, word], i) => {
    let n: number;
    if (i === INTERVAL_UNITS.length - 1) {
      n = v / unit;
      if (Math.abs(n) < 1e-6) return;
    } else {
      if (!(v >= unit || v <= -unit)) return;
      n = Math.trunc(v / unit);
      v -= n * unit;
    }
    const one = Math.abs(Math.abs(n) - 1) < 1e-6;
    parts.push(`${zeekDouble(n)} ${word}${one ? "" : "s"}`);
  });
  return parts.length > 0 ? parts.join(" ") : "0 secs";
}

/**
 * Formats a plain option value as Zeek prints the matching Zeek value: `T`/`F`, numbers in decimal,
 * strings as they are, vectors as `[a, b]`; records and tables as JSON.
 *
 * @param value The option value.
 * @returns The text.
 */
export function formatZeekValue(value: unknown): string {
  if (typeof value === "boolean") return value ? "T" : "F";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatZeekValue).join(", ")}]`;
  return JSON.stringify(value);
}

function valueAt(options: ClusterOptions, path: string): { found: boolean; value?: unknown } {
  let current: unknown = options;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) {
      return { found: false };
    }
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

function formatKind(kind: ZeekKind, value: unknown): string {
  switch (kind) {
    case "interval_ms":
      return formatZeekInterval(Number(value) / 1000);
    case "set":
      return `{\n${(value as readonly unknown[]).map(formatZeekValue).join(",\n")}\n}`;
    case "event_serializer":
      return `Cluster::EVENT_SERIALIZER_${String(value).replaceAll("-", "_").toUpperCase()}`;
    case "log_serializer":
      return "Cluster::LOG_SERIALIZER_ZEEK_BIN_V1";
    case "backend":
      return `Broker::${String(value)}`;
    case "plain":
      return formatZeekValue(value);
  }
}

/**
 * Looks up an option by its zcluster name or its Zeek name and formats its value.
 *
 * @example
 * ```ts
 * import { lookupId } from "./id_value.ts";
 * import { resolveOptions } from "../options/options.ts";
 * const options = resolveOptions({
 *   layout: { manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } },
 *   node: "manager",
 * });
 * lookupId(options, "retryIntervalMs"); // "1000"
 * lookupId(options, "Cluster::retry_interval"); // "1.0 sec"
 * ```
 *
 * @param options The node's options.
 * @param id `retryIntervalMs`, `zeromq.lingerMs`, `Cluster::retry_interval`...
 * @returns The value's text, or {@link UNKNOWN_ID}.
 */
export function lookupId(options: ClusterOptions, id: string): string {
  if (id.includes("::")) {
    const zeek = zeekIds().get(id);
    if (zeek === undefined) return UNKNOWN_ID;
    const { found, value } = valueAt(options, zeek.path);
    return found ? formatKind(zeek.kind, value) : UNKNOWN_ID;
  }
  const { found, value } = valueAt(options, id);
  return found ? formatZeekValue(value) : UNKNOWN_ID;
}

/**
 * The Zeek ids {@link lookupId} knows, with the zcluster option each one reads.
 *
 * @returns Zeek id → zcluster option path.
 */
export function knownZeekIds(): Record<string, string> {
  return Object.fromEntries([...zeekIds()].map(([id, { path }]) => [id, path]));
}
