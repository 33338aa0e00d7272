/**
 * "Ready to publish", as Zeek's ZeroMQ backend learns it: subscribe to an internal topic of one's
 * own, wait until the XPUB echoes it back, unsubscribe.
 *
 * @module
 */

/** Plain configuration and the subscription calls of {@link Readiness}. */
export interface ReadinessDeps {
  /** Prefix of the node's internal topics (`Cluster::Backend::ZeroMQ::internal_topic_prefix`). */
  readonly internalTopicPrefix: string;
  /** This node's id. */
  readonly nodeId: string;
  /** Subscribes to a topic (counted). */
  readonly subscribe: (topic: string) => void;
  /** Unsubscribes from a topic. */
  readonly unsubscribe: (topic: string) => void;
}

/** The waits for readiness of one node. */
export class Readiness {
  readonly #deps: ReadinessDeps;
  readonly #waiters = new Map<string, () => void>();
  #seq = 0;

  /** @param deps Topic prefix, node id, subscribe and unsubscribe. */
  constructor(deps: ReadinessDeps) {
    this.#deps = deps;
  }

  /** Whether a topic is one of the internal ones (not a peer's subscription). @param topic Topic. */
  isInternal(topic: string): boolean {
    return topic.startsWith(this.#deps.internalTopicPrefix);
  }

  /**
   * Resolves once every subscription made before the call is active at the proxy.
   *
   * @param signal Aborts the wait.
   */
  whenReady(signal?: AbortSignal): Promise<void> {
    const deps = this.#deps;
    const topic = `${deps.internalTopicPrefix}${deps.nodeId}.${++this.#seq}.`;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(topic);
        deps.unsubscribe(topic);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.set(topic, () => {
        signal?.removeEventListener("abort", onAbort);
        deps.unsubscribe(topic);
        resolve();
      });
      deps.subscribe(topic);
    });
  }

  /** A subscription the proxy reported: ends the wait on it, if any. @param topic Topic. */
  subscribed(topic: string): void {
    const waiter = this.#waiters.get(topic);
    if (waiter) {
      this.#waiters.delete(topic);
      waiter();
    }
  }
}
