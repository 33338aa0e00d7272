/**
 * Cluster layouts: types, `defineLayout()` for TypeScript authors, `parseLayout()` for JSON.
 *
 * @example
 * ```ts
 * import { parseLayout } from "./mod.ts";
 * const layout = parseLayout(JSON.parse('{"manager":{"nodeType":"MANAGER","ip":"127.0.0.1","p":27762}}'));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./define_layout.ts";
export * from "./parse_layout.ts";
export * from "./validate_layout.ts";
export * from "./queries.ts";
export * from "./proxy.ts";
