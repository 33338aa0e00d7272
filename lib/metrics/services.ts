/**
 * The manager's `/services.json`: Prometheus HTTP service discovery listing every layout node that
 * has a metrics port, in one target group with empty labels (node identity comes from the `node`
 * label of each series), as Zeek serves it.
 *
 * @module
 */

import type { ClusterLayout } from "../layout/mod.ts";

/** Options of `buildServicesJson()`. */
export interface ServicesOptions {
  /** The cluster layout; nodes are listed in its order. */
  readonly layout: ClusterLayout;
  /**
   * Address to publish instead of the layout ip, so a remote Prometheus can reach the targets
   * (zeek/zeek#5586): one address for every node, or a map from node name to address (nodes
   * missing from the map keep their layout ip).
   */
  readonly advertiseAddress?: string | Readonly<Record<string, string>>;
}

/** One Prometheus HTTP SD target group. */
export interface ServiceTargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Formats `host:port`, bracketing IPv6 literals (`[::1]:9992`) as Zeek and URIs do.
 *
 * @param host An IPv4 or IPv6 address or a host name.
 * @param port A TCP port.
 * @returns The `host:port` string.
 */
export function formatHostPort(host: string, port: number): string {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/**
 * Builds the `/services.json` document.
 *
 * @param options The layout and an optional advertised address.
 * @returns `[{ targets: ["ip:port", ...], labels: {} }]`: one group, even when empty.
 * @throws {RangeError} If a metrics port is not an integer in 1..65535 (0 means none).
 * @example
 * ```ts
 * import { buildServicesJson } from "./services.ts";
 * const doc = buildServicesJson({
 *   layout: {
 *     manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27760, metricsPort: 9991 },
 *     "worker-1": { nodeType: "WORKER", ip: "::1", p: 27761, metricsPort: 9992 },
 *   },
 * });
 * console.assert(JSON.stringify(doc) === '[{"targets":["127.0.0.1:9991","[::1]:9992"],"labels":{}}]');
 * ```
 */
export function buildServicesJson(options: ServicesOptions): ServiceTargetGroup[] {
  const targets: string[] = [];
  for (const [name, node] of Object.entries(options.layout)) {
    const port = node.metricsPort;
    if (port === undefined || port === 0) continue;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`Cannot list node "${name}" in services.json: bad port ${port}`);
    }
    const advertise = options.advertiseAddress;
    const host = typeof advertise === "string"
      ? advertise
      : advertise !== undefined && Object.hasOwn(advertise, name)
      ? advertise[name] ?? node.ip
      : node.ip;
    if (host === "") continue;
    targets.push(formatHostPort(host, port));
  }
  return [{ targets, labels: {} }];
}
