/**
 * Cluster topics: `nodeTopic`, `nodeidTopic`, type, pool and broadcast topics, Zeek 8.x strings.
 *
 * @example
 * ```ts
 * import { nodeTopic } from "./mod.ts";
 * nodeTopic("worker-2"); // "zeek.cluster.node.worker-2."
 * ```
 *
 * @module
 */

export {
  broadcastTopics,
  DEFAULT_INTERNAL_TOPIC_PREFIX,
  DEFAULT_LOGGER_TOPIC,
  DEFAULT_MANAGER_TOPIC,
  DEFAULT_NODE_TOPIC_PREFIX,
  DEFAULT_NODEID_TOPIC_PREFIX,
  DEFAULT_PROXY_TOPIC,
  DEFAULT_TOPIC_OPTIONS,
  DEFAULT_WORKER_TOPIC,
  LOGGER_POOL_TOPIC,
  nodeidFromTopic,
  nodeidTopic,
  nodeTopic,
  poolTopic,
  PROXY_POOL_TOPIC,
  typeTopic,
  WORKER_POOL_TOPIC,
} from "./topics.ts";
export type { TopicOptions } from "./topics.ts";
export { topicMatches } from "./prefix_match.ts";
