/**
 * Tells whether a topic matches a subscription prefix, as ZeroMQ and Zeek match: a plain byte
 * prefix test.
 *
 * @param topic The topic of a message.
 * @param prefix A subscription prefix.
 * @returns `true` when `topic` starts with `prefix`.
 */
export function topicMatches(topic: string, prefix: string): boolean {
  return topic.startsWith(prefix);
}
