/**
 * The one options object of a node: Zeek's `Cluster::` redefinable options in camelCase with
 * Zeek's defaults, derived from the layout, the local node name, the environment and explicit
 * overrides. Built once by {@link resolveOptions} and passed down; never mutated.
 *
 * @module
 */
import { isLogSink, runsProxyByDefault } from "../roles/roles.ts";
import { OptionsError } from "../errors.ts";
import type { ClusterLayout, ClusterNode, NodeType } from "../layout/types.ts";
import { managerOf, nodesOfType } from "../layout/queries.ts";
import { addrToUri } from "../net/ip.ts";
import type { EventFormat } from "../serialization/event.ts";
import type { BackendKind } from "../stores/backend.ts";
import type { StoreInfoOverrides } from "../stores/store_info.ts";
import { broadcastTopics, DEFAULT_TOPIC_OPTIONS, type TopicOptions } from "../topics/topics.ts";
import { proxyEndpoints } from "../layout/proxy.ts";
import { DEFAULT_ZEROMQ_OPTIONS, type ZeroMqOptions } from "./zeromq_options.ts";

/** Log file formats. */
export type LogFormat = "ascii" | "json";
/** Time columns in JSON logs (Zeek's `LogAscii::json_timestamps`, `JSON::TS_*` in lower case). */
export type LogJsonTimestamps = "epoch" | "millis" | "millis_unsigned" | "iso8601";

/** Every option of a node. */
export interface ClusterOptions extends TopicOptions {
  /** The local node's name (`Cluster::node`), "" when not in a cluster. */
  readonly node: string;
  /** The cluster layout (`Cluster::nodes`). */
  readonly layout: ClusterLayout;
  /** `Cluster::retry_interval`, ms: how long to wait between connection attempts. */
  readonly retryIntervalMs: number;
  /** `Cluster::manager_is_logger`: T exactly when the layout has no logger. */
  readonly managerIsLogger: boolean;
  /** `Cluster::broadcast_topics`. */
  readonly broadcastTopics: readonly string[];
  /** `Cluster::default_backend`. */
  readonly defaultBackend: BackendKind;
  /** `Cluster::default_persistent_backend`. */
  readonly defaultPersistentBackend: BackendKind;
  /** `Cluster::default_store_dir` ("" means the working directory). */
  readonly defaultStoreDir: string;
  /** `Cluster::default_master_node` ("" means the first manager). */
  readonly defaultMasterNode: string;
  /** `Cluster::stores`: per-store overrides of placement, backend and intervals. */
  readonly stores: Readonly<Record<string, StoreInfoOverrides>>;
  /** `Cluster::enable_round_robin_logging`. */
  readonly enableRoundRobinLogging: boolean;
  /** `Cluster::event_serializer`, by its wire name. */
  readonly eventSerializer: EventFormat;
  /** `Cluster::log_serializer`, by its wire name. */
  readonly logSerializer: "zeek-bin-serializer";
  /** `EventMetadata::add_network_timestamp`. */
  readonly addNetworkTimestamp: boolean;
  /** `Log::write_buffer_size`: records per batch. */
  readonly logWriteBufferSize: number;
  /** `Log::flush_interval`, ms. */
  readonly logFlushIntervalMs: number;
  /**
   * Reliable log delivery (zcluster, not Zeek): batches carry a sequence number in frame 0, zcluster
   * loggers acknowledge them once written, senders resend what was lost (a logger killed with data
   * in flight) and loggers drop copies. Loggers that never acknowledge (Zeek's) get Zeek's
   * behaviour. Round-robin logging only.
   */
  readonly logAcks: boolean;
  /** Reliable log delivery: wait for an acknowledgement before sending again, ms. */
  readonly logAckTimeoutMs: number;
  /** Reliable log delivery: bound of the batches kept until acknowledged, bytes. */
  readonly logResendBufferBytes: number;
  /** Where loggers write log files. */
  readonly logDir: string;
  /** Log file format. */
  readonly logFormat: LogFormat;
  /** JSON logs: time columns (`LogAscii::json_timestamps`); default `epoch`. */
  readonly logJsonTimestamps: LogJsonTimestamps;
  /** JSON logs: unset fields as `null` (`LogAscii::json_include_unset_fields`); default false. */
  readonly logJsonIncludeUnsetFields: boolean;
  /** `Log::default_rotation_interval`, ms; 0 turns rotation off. 1 h on loggers. */
  readonly rotationIntervalMs: number;
  /**
   * Compression of rotated log files (`--log-compress`): `gzip` writes them as
   * `path.<open>-<close>.log.gz`, `none` (default) leaves them plain. Live files stay plain.
   */
  readonly logCompress: "none" | "gzip";
  /** gzip level of rotated log files, 1 to 9 (Zeek's `LogAscii::gzip_level`); 6 by default. */
  readonly logCompressLevel: number;
  /** Address the metrics endpoint binds ("" = the node's ip, like Zeek). */
  readonly metricsAddress: string;
  /** Address advertised in `/services.json` instead of the layout's ip ("" = layout ip). */
  readonly metricsAdvertiseAddress: string;
  /** The ZeroMQ backend options. */
  readonly zeromq: ZeroMqOptions;
}

/** Option overrides accepted by {@link resolveOptions}. */
export type ClusterOptionOverrides =
  & Partial<Omit<ClusterOptions, "layout" | "node" | "zeromq">>
  & { readonly zeromq?: Partial<ZeroMqOptions> };

/** Inputs of {@link resolveOptions}. */
export interface ResolveOptionsInput {
  /** The validated layout. */
  readonly layout: ClusterLayout;
  /** The local node name; "" or undefined when not in a cluster. */
  readonly node?: string;
  /** Environment variables (only `ZEEK_DEFAULT_CONNECT_RETRY` is read). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Explicit overrides, applied last. */
  readonly overrides?: ClusterOptionOverrides;
}

/** `Cluster::retry_interval`'s default, ms. */
export const DEFAULT_RETRY_INTERVAL_MS = 1000;
/** Rotation interval on loggers, ms (Zeek's `nodes/logger.zeek`). */
export const DEFAULT_LOGGER_ROTATION_INTERVAL_MS = 3_600_000;

function retryFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env.ZEEK_DEFAULT_CONNECT_RETRY;
  if (raw === undefined || raw === "") return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new OptionsError(
      `Invalid ZEEK_DEFAULT_CONNECT_RETRY ${
        JSON.stringify(raw)
      }: expected a positive number of seconds`,
    );
  }
  return Math.round(seconds * 1000);
}

function deriveZeroMq(
  layout: ClusterLayout,
  node: string,
  local: ClusterNode | undefined,
  managerIsLogger: boolean,
  overrides: Partial<ZeroMqOptions> | undefined,
): ZeroMqOptions {
  const [, manager] = managerOf(layout);
  const proxy = proxyEndpoints(layout);
  const logEndpoint = (n: ClusterNode) => `tcp://${addrToUri(n.ip)}:${n.p}`;
  const loggers = nodesOfType(layout, "LOGGER").map((name) => layout[name]!);
  if (managerIsLogger) loggers.push(manager);
  const logSink = local !== undefined && isLogSink(local.nodeType, managerIsLogger);
  const anyV6 = Object.values(layout).some((n) => n.ip.includes(":"));
  return Object.freeze({
    ...DEFAULT_ZEROMQ_OPTIONS,
    connectXpubEndpoint: proxy.xsub,
    connectXsubEndpoint: proxy.xpub,
    listenXsubEndpoint: proxy.xsub,
    listenXpubEndpoint: proxy.xpub,
    runProxyThread: local !== undefined && runsProxyByDefault(local.nodeType),
    listenLogEndpoint: logSink ? logEndpoint(local!) : "",
    connectLogEndpoints: logSink || node === "" ? [] : loggers.map(logEndpoint),
    ipv6: anyV6,
    ...overrides,
  });
}

/**
 * Builds the options of one node.
 *
 * @param input Layout, local node name, environment and overrides.
 * @returns The frozen options.
 * @throws {OptionsError} When the node is not in the layout or an option is invalid.
 *
 * @example
 * ```ts
 * import { parseLayout, resolveOptions } from "../../mod.ts";
 * const layout = parseLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 },
 * });
 * const options = resolveOptions({ layout, node: "worker-1" });
 * options.node; // "worker-1"
 * ```
 */
export function resolveOptions(input: ResolveOptionsInput): ClusterOptions {
  const { layout, env = {}, overrides = {} } = input;
  const node = input.node ?? "";
  const local = node === "" ? undefined : layout[node];
  if (node !== "" && local === undefined) {
    throw new OptionsError(
      `Unknown node "${node}": the layout has ${Object.keys(layout).join(", ")}`,
    );
  }
  const managerIsLogger = overrides.managerIsLogger ??
    nodesOfType(layout, "LOGGER").length === 0;
  const topics: TopicOptions = { ...DEFAULT_TOPIC_OPTIONS, ...pickTopics(overrides) };
  const logSink = local !== undefined && isLogSink(local.nodeType, managerIsLogger);
  const { zeromq: zeromqOverrides, ...rest } = overrides;
  const options: ClusterOptions = {
    ...DEFAULT_CLUSTER_OPTIONS,
    node,
    layout,
    ...topics,
    retryIntervalMs: retryFromEnv(env) ?? DEFAULT_RETRY_INTERVAL_MS,
    managerIsLogger,
    broadcastTopics: broadcastTopics(topics),
    rotationIntervalMs: logSink ? DEFAULT_LOGGER_ROTATION_INTERVAL_MS : 0,
    ...rest,
    zeromq: deriveZeroMq(layout, node, local, managerIsLogger, zeromqOverrides),
  };
  checkOptions(options, DEFAULT_CLUSTER_OPTIONS);
  return Object.freeze(options);
}

/**
 * Zeek's defaults for every option, before the layout and the node are applied (they set
 * `managerIsLogger`, the rotation interval on loggers and the ZeroMQ endpoints). Also the shape
 * that overrides are type-checked against.
 */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  node: "",
  layout: {},
  ...DEFAULT_TOPIC_OPTIONS,
  retryIntervalMs: DEFAULT_RETRY_INTERVAL_MS,
  managerIsLogger: true,
  broadcastTopics: [],
  defaultBackend: "MEMORY",
  defaultPersistentBackend: "SQLITE",
  defaultStoreDir: "",
  defaultMasterNode: "",
  stores: {},
  enableRoundRobinLogging: true,
  eventSerializer: "broker-bin-v1",
  logSerializer: "zeek-bin-serializer",
  addNetworkTimestamp: false,
  logWriteBufferSize: 1000,
  logFlushIntervalMs: 1000,
  logAcks: true,
  logAckTimeoutMs: 5000,
  logResendBufferBytes: 64 * 1024 * 1024,
  logDir: "./logs",
  logFormat: "ascii",
  logJsonTimestamps: "epoch",
  logJsonIncludeUnsetFields: false,
  rotationIntervalMs: 0,
  logCompress: "none",
  logCompressLevel: 6,
  metricsAddress: "",
  metricsAdvertiseAddress: "",
  zeromq: DEFAULT_ZEROMQ_OPTIONS,
};

function pickTopics(overrides: ClusterOptionOverrides): Partial<TopicOptions> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(DEFAULT_TOPIC_OPTIONS) as (keyof TopicOptions)[]) {
    const value = overrides[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function checkTypes(
  what: string,
  actual: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
): void {
  for (const [key, value] of Object.entries(actual)) {
    if (!(key in defaults)) {
      throw new OptionsError(
        `Unknown option ${what}${key}: known options are ${Object.keys(defaults).join(", ")}`,
      );
    }
    const expected = defaults[key];
    const kind = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
    if (kind(value) !== kind(expected)) {
      throw new OptionsError(
        `Invalid option ${what}${key}: expected ${kind(expected)}, got ${kind(value)} ${
          JSON.stringify(value)
        }`,
      );
    }
  }
}

function checkOptions(options: ClusterOptions, defaults: ClusterOptions): void {
  const { zeromq, layout: _l, ...rest } = options;
  const { zeromq: zd, layout: _d, ...restDefaults } = defaults;
  checkTypes("", rest, restDefaults);
  checkTypes(
    "zeromq.",
    zeromq as unknown as Record<string, unknown>,
    zd as unknown as Record<string, unknown>,
  );
  const positive: (keyof ClusterOptions)[] = [
    "retryIntervalMs",
    "logWriteBufferSize",
    "logFlushIntervalMs",
    "logAckTimeoutMs",
    "logResendBufferBytes",
  ];
  for (const key of positive) {
    const value = options[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new OptionsError(`Invalid option ${key}: expected a positive number, got ${value}`);
    }
  }
  if (options.rotationIntervalMs < 0 || !Number.isFinite(options.rotationIntervalMs)) {
    throw new OptionsError(
      `Invalid option rotationIntervalMs: expected 0 or more, got ${options.rotationIntervalMs}`,
    );
  }
  const stamps = ["epoch", "millis", "millis_unsigned", "iso8601"];
  if (!stamps.includes(options.logJsonTimestamps)) {
    throw new OptionsError(
      `Invalid option logJsonTimestamps: expected ${
        stamps.join(", ")
      }, got ${options.logJsonTimestamps}`,
    );
  }
  if (!["none", "gzip"].includes(options.logCompress)) {
    throw new OptionsError(
      `Invalid option logCompress: expected none or gzip, got ${
        JSON.stringify(options.logCompress)
      }`,
    );
  }
  const level = options.logCompressLevel;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new OptionsError(
      `Invalid option logCompressLevel: expected an integer from 1 to 9, got ${level}`,
    );
  }
  if (!["broker-bin-v1", "broker-json-v1"].includes(options.eventSerializer)) {
    throw new OptionsError(
      `Invalid option eventSerializer: expected broker-bin-v1 or broker-json-v1, got ${options.eventSerializer}`,
    );
  }
  if (options.defaultMasterNode !== "" && !(options.defaultMasterNode in options.layout)) {
    throw new OptionsError(
      `Invalid option defaultMasterNode: "${options.defaultMasterNode}" is not a node of the layout`,
    );
  }
}

/**
 * Zeek's `Cluster::is_enabled()`: whether this process is a cluster node.
 *
 * @param options Node options.
 * @returns `true` when a node name is set.
 */
export function isEnabled(options: ClusterOptions): boolean {
  return options.node !== "";
}

/**
 * Zeek's `Cluster::local_node_type()`.
 *
 * @param options Node options.
 * @returns The local node's type, or `NONE` outside a cluster.
 *
 * @example
 * ```ts
 * import { localNodeType, parseLayout, resolveOptions } from "../../mod.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * localNodeType(resolveOptions({ layout, node: "manager" })); // "MANAGER"
 * ```
 */
export function localNodeType(options: ClusterOptions): NodeType {
  return options.layout[options.node]?.nodeType ?? "NONE";
}

/**
 * Zeek's `Cluster::local_node_metrics_port()`.
 *
 * @param options Node options.
 * @returns The local node's metrics port, 0 when not in a cluster or none is set.
 */
export function localNodeMetricsPort(options: ClusterOptions): number {
  return options.layout[options.node]?.metricsPort ?? 0;
}

/**
 * Zeek's `Cluster::get_node_count()`: how many nodes of a type the layout has.
 *
 * @param options Node options.
 * @param type Node type.
 * @returns The count.
 *
 * @example
 * ```ts
 * import { getNodeCount, parseLayout, resolveOptions } from "../../mod.ts";
 * const layout = parseLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 },
 *   "worker-2": { nodeType: "WORKER", ip: "127.0.0.1", p: 27764 },
 * });
 * getNodeCount(resolveOptions({ layout, node: "manager" }), "WORKER"); // 2
 * ```
 */
export function getNodeCount(options: ClusterOptions, type: NodeType): number {
  return nodesOfType(options.layout, type).length;
}
