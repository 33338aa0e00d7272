import type { ClusterLayout } from "./types.ts";
import { validateLayout } from "./validate_layout.ts";

/**
 * Declares a cluster layout in TypeScript. Gives authors type help and validates the layout with
 * the same rules as {@link parseLayout}.
 *
 * @example
 * ```ts
 * import { defineLayout } from "./define_layout.ts";
 * const layout = defineLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763, manager: "manager" },
 * });
 * ```
 *
 * @param layout Node name → node.
 * @returns The validated, frozen layout.
 * @throws {LayoutError} When the layout is invalid.
 */
export function defineLayout<const T extends ClusterLayout>(layout: T): T {
  return validateLayout(layout) as T;
}
