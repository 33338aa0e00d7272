/**
 * The central proxy's endpoints as the layout gives them: the manager's `proxyXpub` and
 * `proxyXsub` fields, else Zeek's defaults on the manager's ip (`tcp://<ip>:5555` and `:5556`).
 *
 * @module
 */
import { addrToUri, canonicalIp } from "../net/ip.ts";
import { managerOf } from "./queries.ts";
import type { ClusterLayout } from "./types.ts";

/** Zeek's default proxy XPUB port. */
export const DEFAULT_PROXY_XPUB_PORT = 5555;
/** Zeek's default proxy XSUB port. */
export const DEFAULT_PROXY_XSUB_PORT = 5556;

/** The proxy's two endpoints. */
export interface ProxyEndpoints {
  /** What the manager's proxy binds as XPUB (nodes' XSUB sockets connect there). */
  readonly xpub: string;
  /** What the manager's proxy binds as XSUB (nodes' XPUB sockets connect there). */
  readonly xsub: string;
}

/**
 * The proxy endpoints of a validated layout.
 *
 * @example
 * ```ts
 * import { proxyEndpoints } from "./proxy.ts";
 * proxyEndpoints({
 *   manager: { nodeType: "MANAGER", ip: "10.0.0.1", p: 27762, proxyXpub: "tcp://10.0.0.1:6555" },
 * }); // { xpub: "tcp://10.0.0.1:6555", xsub: "tcp://10.0.0.1:5556" }
 * ```
 *
 * @param layout A validated layout.
 * @returns The endpoints.
 */
export function proxyEndpoints(layout: ClusterLayout): ProxyEndpoints {
  const [, manager] = managerOf(layout);
  const host = addrToUri(manager.ip);
  return {
    xpub: manager.proxyXpub ?? `tcp://${host}:${DEFAULT_PROXY_XPUB_PORT}`,
    xsub: manager.proxyXsub ?? `tcp://${host}:${DEFAULT_PROXY_XSUB_PORT}`,
  };
}

/**
 * Whether a text is a ZeroMQ endpoint zcluster can bind (`tcp://HOST:PORT`, `ipc://`, `inproc://`).
 *
 * @example
 * ```ts
 * import { isEndpoint } from "./proxy.ts";
 * isEndpoint("tcp://10.0.0.1:6555"); // true
 * isEndpoint("10.0.0.1:6555"); // false
 * ```
 *
 * @param text Anything the layout holds.
 * @returns Whether it is an endpoint.
 */
export function isEndpoint(text: string): boolean {
  if (/^(ipc|inproc):\/\/.+/.test(text)) return true;
  const tcp = tcpEndpoint(text);
  return tcp !== undefined && tcp.port >= 1 && tcp.port <= 65535;
}

/**
 * The host and port of a `tcp://` endpoint; the host in canonical form when it is an address, `*`
 * for a wildcard (`*`, `0.0.0.0`, `::`).
 *
 * @example
 * ```ts
 * import { tcpEndpoint } from "./proxy.ts";
 * tcpEndpoint("tcp://*:5555"); // { host: "*", port: 5555 }
 * ```
 *
 * @param text An endpoint.
 * @returns Host and port, or undefined for another transport or a malformed endpoint.
 */
export function tcpEndpoint(text: string): { host: string; port: number } | undefined {
  const m = /^tcp:\/\/(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$/.exec(text);
  if (!m) return undefined;
  const raw = m[1] ?? m[2]!;
  const ip = canonicalIp(raw);
  const host = raw === "*" || ip === "0.0.0.0" || ip === "::" ? "*" : ip ?? raw;
  return { host, port: Number(m[3]) };
}
