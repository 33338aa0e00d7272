/**
 * Topic normalisation for the `topic` label of per-event metrics, so that per-node-id topics do
 * not create one series per node id (Zeek's `Cluster::Telemetry::topic_normalizations`).
 *
 * @module
 */

/** The value a normalised part of a topic is replaced by. */
export const NORMALIZED_TOPIC_PART = "__normalized__";

const RULES: readonly [RegExp, string][] = [
  [/^zeek\/cluster\/nodeid\/.*/, `zeek/cluster/nodeid/${NORMALIZED_TOPIC_PART}`],
  [/^zeek\.cluster\.nodeid\..*/, `zeek.cluster.nodeid.${NORMALIZED_TOPIC_PART}`],
];

/**
 * Returns the `topic` label value for `topic`: node-id topics collapse into one value, anything
 * else is kept.
 *
 * @param topic A cluster topic.
 * @returns The label value.
 * @example
 * ```ts
 * import { normalizeTelemetryTopic } from "./topic_normalization.ts";
 * console.assert(
 *   normalizeTelemetryTopic("zeek.cluster.nodeid.NRMWuA4h.") === "zeek.cluster.nodeid.__normalized__",
 * );
 * ```
 */
export function normalizeTelemetryTopic(topic: string): string {
  for (const [pattern, replacement] of RULES) {
    if (pattern.test(topic)) return replacement;
  }
  return topic;
}
