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
export * from "./ip.ts";
