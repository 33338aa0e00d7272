/**
 * The demo site: the twin of Zeek's `local.zeek` for `deno task start`, a living cluster in the
 * shape of Zeek's known-services policy.
 *
 * - Workers "see" services (a host address and a port, drawn from a small synthetic network)
 *   and publish each observation with `publishHrw` to the proxy that owns the host.
 * - Proxies deduplicate through the `site_known_services` store (master on the manager, clones
 *   on the proxies, entries expire after an hour) and write each new service to the
 *   `known_services` log.
 * - Loggers write `known_services.log` beside `cluster.log`.
 *
 * A site of your own follows the same shape: a `setup(node)` function given to `runMain`.
 *
 * @module
 */
import type { RunningNode } from "../lib/node/cluster_node.ts";
import { addr, Address, type BrokerValue, Port, port, time } from "../lib/serialization/mod.ts";
import { StoreError } from "../lib/errors.ts";

/** Name of the demo's log stream. */
export const KNOWN_SERVICES_LOG = "Known::SERVICES_LOG";
/** Name of the demo's store. */
export const KNOWN_SERVICES_STORE = "site_known_services";
/** The observation event workers publish. */
export const OBSERVATION_EVENT = "Site::service_seen";

/** Options of {@link demoSite}. */
export interface DemoSiteOptions {
  /** Milliseconds between a worker's observations. Default 100. */
  readonly intervalMs?: number;
  /** How many synthetic hosts the workers see. Default 200. */
  readonly hosts?: number;
  /** Random source in [0, 1). */
  readonly random?: () => number;
}

const PORTS = [22, 25, 53, 80, 123, 443, 445, 3389, 8080];

/**
 * Builds the demo's setup function.
 *
 * @param options Rates and sizes.
 * @returns A `setup(node)` for `runMain` / `createNode`.
 */
export function demoSite(options: DemoSiteOptions = {}): (node: RunningNode) => void {
  const intervalMs = options.intervalMs ?? 100;
  const hosts = options.hosts ?? 200;
  const random = options.random ?? Math.random;
  return (node) => {
    const type = node.options.layout[node.options.node]?.nodeType;
    node.log.createStream(KNOWN_SERVICES_LOG, {
      path: "known_services",
      columns: {
        ts: "time",
        host: "addr",
        port_num: "port",
        seen_by: "string",
        deduplicated_by: "string",
      },
    });
    if (type === "MANAGER" || type === "PROXY") {
      const { store } = node.createStore(KNOWN_SERVICES_STORE);
      if (type === "PROXY") {
        node.cluster.on(
          OBSERVATION_EVENT,
          (host: BrokerValue, p: BrokerValue, by: BrokerValue) =>
            onObservation(node, store, host, p, by),
        );
      }
    }
    if (type === "WORKER") {
      const timer = setInterval(() => {
        const host = addr(
          `10.0.${Math.floor(random() * hosts / 250)}.${
            1 + Math.floor(random() * Math.min(hosts, 250))
          }`,
        );
        const p = port(PORTS[Math.floor(random() * PORTS.length)]!, "tcp");
        node.cluster.publishHrw("proxy", host, OBSERVATION_EVENT, host, p, node.options.node);
      }, intervalMs);
      node.closed.then(() => clearInterval(timer));
    }
  };
}

async function onObservation(
  node: RunningNode,
  store: { putUnique(k: BrokerValue, v: BrokerValue, o?: { expiryMs?: number }): Promise<boolean> },
  host: BrokerValue,
  p: BrokerValue,
  by: BrokerValue,
): Promise<void> {
  if (!(host instanceof Address) || !(p instanceof Port) || typeof by !== "string") return;
  try {
    const fresh = await store.putUnique([host, p], time(Date.now() / 1000), {
      expiryMs: 3_600_000,
    });
    if (!fresh) return;
    node.log.write(KNOWN_SERVICES_LOG, {
      ts: Date.now() / 1000,
      host: host.toString(),
      port_num: { port: p.number, proto: p.protocol },
      seen_by: by,
      deduplicated_by: node.options.node,
    });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
  }
}
