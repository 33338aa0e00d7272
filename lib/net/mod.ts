/**
 * Network address helpers: IPv4/IPv6 parsing and formatting.
 *
 * @example
 * ```ts
 * import { canonicalIp } from "./mod.ts";
 * canonicalIp("::FFFF:10.0.0.1"); // "10.0.0.1"
 * ```
 *
 * @module
 */

export {
  addrToUri,
  canonicalIp,
  formatIp,
  isV4Mapped,
  parseIp,
  parseIpv4,
  parseIpv6,
} from "./ip.ts";
