/**
 * Tells whether a topic matches a subscription prefix, as ZeroMQ and Zeek match: a plain byte
 * prefix test.
 *
 * @param topic The topic of a message.
 * @param prefix A subscription prefix.
 * @returns `true` when `topic` starts with `prefix`.
 *
 * @example
 * ```ts
 * import { topicMatches } from "../../mod.ts";
 * topicMatches("zeek.cluster.node.worker-1.", "zeek.cluster."); // true
 * ```
 */
export function topicMatches(topic: string, prefix: string): boolean {
  return topic.startsWith(prefix);
}
