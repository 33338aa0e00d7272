/**
 * Cluster topics with Zeek 8.x (ZeroMQ backend) strings. Node and nodeid topics end with a `.`
 * so that prefix matching cannot confuse `worker-1` with `worker-10`.
 *
 * @module
 */

/** Zeek's `Cluster::node_topic_prefix` (ZeroMQ). */
export const DEFAULT_NODE_TOPIC_PREFIX = "zeek.cluster.node";
/** Zeek's `Cluster::nodeid_topic_prefix` (ZeroMQ). */
export const DEFAULT_NODEID_TOPIC_PREFIX = "zeek.cluster.nodeid";
/** Zeek's `Cluster::manager_topic` (ZeroMQ). */
export const DEFAULT_MANAGER_TOPIC = "zeek.cluster.manager";
/** Zeek's `Cluster::logger_topic` (ZeroMQ). */
export const DEFAULT_LOGGER_TOPIC = "zeek.cluster.logger";
/** Zeek's `Cluster::proxy_topic` (ZeroMQ). */
export const DEFAULT_PROXY_TOPIC = "zeek.cluster.proxy";
/** Zeek's `Cluster::worker_topic` (ZeroMQ). */
export const DEFAULT_WORKER_TOPIC = "zeek.cluster.worker";
/** Zeek's `Cluster::proxy_pool_spec` topic. */
export const PROXY_POOL_TOPIC = "zeek.cluster.pool.proxy";
/** Zeek's `Cluster::worker_pool_spec` topic. */
export const WORKER_POOL_TOPIC = "zeek.cluster.pool.worker";
/** Zeek's `Cluster::logger_pool_spec` topic. */
export const LOGGER_POOL_TOPIC = "zeek.cluster.pool.logger";
/** Zeek's `Cluster::Backend::ZeroMQ::internal_topic_prefix`. */
export const DEFAULT_INTERNAL_TOPIC_PREFIX = "zeek.zeromq.internal.";

/** The topic options, as in Zeek's cluster framework. */
export interface TopicOptions {
  /** `Cluster::node_topic_prefix`. */
  readonly nodeTopicPrefix: string;
  /** `Cluster::nodeid_topic_prefix`. */
  readonly nodeidTopicPrefix: string;
  /** `Cluster::manager_topic`. */
  readonly managerTopic: string;
  /** `Cluster::logger_topic`. */
  readonly loggerTopic: string;
  /** `Cluster::proxy_topic`. */
  readonly proxyTopic: string;
  /** `Cluster::worker_topic`. */
  readonly workerTopic: string;
}

/** Zeek 8.x ZeroMQ topic defaults. */
export const DEFAULT_TOPIC_OPTIONS: TopicOptions = Object.freeze({
  nodeTopicPrefix: DEFAULT_NODE_TOPIC_PREFIX,
  nodeidTopicPrefix: DEFAULT_NODEID_TOPIC_PREFIX,
  managerTopic: DEFAULT_MANAGER_TOPIC,
  loggerTopic: DEFAULT_LOGGER_TOPIC,
  proxyTopic: DEFAULT_PROXY_TOPIC,
  workerTopic: DEFAULT_WORKER_TOPIC,
});

/**
 * The topic that reaches one node by name: `Cluster::node_topic`.
 *
 * @example
 * ```ts
 * import { nodeTopic } from "./topics.ts";
 * nodeTopic("worker-1"); // "zeek.cluster.node.worker-1."
 * ```
 *
 * @param name Node name.
 * @param options Topic options (Zeek's defaults when left out).
 * @returns The node topic, with a trailing dot.
 */
export function nodeTopic(name: string, options: TopicOptions = DEFAULT_TOPIC_OPTIONS): string {
  return `${options.nodeTopicPrefix}.${name}.`;
}

/**
 * The topic that reaches one node instance by id: `Cluster::nodeid_topic`.
 *
 * @param id Node id, e.g. `zeromq_worker-1_host_4242_NrFj3eGxkRR5`.
 * @param options Topic options (Zeek's defaults when left out).
 * @returns The nodeid topic, with a trailing dot.
 *
 * @example
 * ```ts
 * import { nodeidTopic } from "../../mod.ts";
 * nodeidTopic("zeromq_worker-1_host_42_NxK"); // "zeek.cluster.nodeid.zeromq_worker-1_host_42_NxK."
 * ```
 */
export function nodeidTopic(id: string, options: TopicOptions = DEFAULT_TOPIC_OPTIONS): string {
  return `${options.nodeidTopicPrefix}.${id}.`;
}

/**
 * The node id carried by a nodeid topic, as Zeek extracts it: the prefix and the last character
 * removed.
 *
 * @param topic A topic.
 * @param options Topic options.
 * @returns The node id, or `undefined` when the topic is not a nodeid topic.
 */
export function nodeidFromTopic(
  topic: string,
  options: TopicOptions = DEFAULT_TOPIC_OPTIONS,
): string | undefined {
  const prefix = `${options.nodeidTopicPrefix}.`;
  if (!topic.startsWith(prefix) || topic.length <= prefix.length + 1) return undefined;
  return topic.slice(prefix.length, -1);
}

/**
 * The topic of a node type (`Cluster::worker_topic` and friends), or `undefined` for types
 * without one.
 *
 * @param type Node type.
 * @param options Topic options.
 * @returns The type topic.
 *
 * @example
 * ```ts
 * import { typeTopic } from "../../mod.ts";
 * typeTopic("WORKER"); // "zeek.cluster.worker"
 * ```
 */
export function typeTopic(
  type: string,
  options: TopicOptions = DEFAULT_TOPIC_OPTIONS,
): string | undefined {
  switch (type) {
    case "MANAGER":
      return options.managerTopic;
    case "LOGGER":
      return options.loggerTopic;
    case "PROXY":
      return options.proxyTopic;
    case "WORKER":
      return options.workerTopic;
    default:
      return undefined;
  }
}

/**
 * Zeek's `Cluster::broadcast_topics`: every type topic.
 *
 * @param options Topic options.
 * @returns The four type topics.
 *
 * @example
 * ```ts
 * import { broadcastTopics } from "../../mod.ts";
 * broadcastTopics(); // the manager, logger, proxy and worker topics
 * ```
 */
export function broadcastTopics(options: TopicOptions = DEFAULT_TOPIC_OPTIONS): string[] {
  return [options.loggerTopic, options.managerTopic, options.proxyTopic, options.workerTopic];
}

/**
 * The pool topic for a node type's pool, as Zeek registers them.
 *
 * @param type Node type.
 * @returns The pool topic, or `undefined` for types without a pool.
 *
 * @example
 * ```ts
 * import { poolTopic } from "../../mod.ts";
 * poolTopic("PROXY"); // "zeek.cluster.pool.proxy"
 * ```
 */
export function poolTopic(type: string): string | undefined {
  switch (type) {
    case "LOGGER":
      return LOGGER_POOL_TOPIC;
    case "PROXY":
      return PROXY_POOL_TOPIC;
    case "WORKER":
      return WORKER_POOL_TOPIC;
    default:
      return undefined;
  }
}
