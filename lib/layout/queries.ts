import type { ClusterLayout, ClusterNode, NodeType } from "./types.ts";

/**
 * The names of the nodes of one type, sorted by name (byte order, as Zeek sorts pools).
 *
 * @param layout The layout.
 * @param type The node type.
 * @returns Sorted node names.
 *
 * @example
 * ```ts
 * import { nodesOfType, parseLayout } from "../../mod.ts";
 * const layout = parseLayout({
 *   manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 },
 *   "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 },
 * });
 * nodesOfType(layout, "WORKER"); // ["worker-1"]
 * ```
 */
export function nodesOfType(layout: ClusterLayout, type: NodeType): string[] {
  return Object.entries(layout)
    .filter(([, node]) => node.nodeType === type)
    .map(([name]) => name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The layout's single manager.
 *
 * @param layout A validated layout.
 * @returns `[name, node]` of the manager.
 *
 * @example
 * ```ts
 * import { managerOf, parseLayout } from "../../mod.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * const [name, node] = managerOf(layout); // "manager", its entry
 * console.log(name, node.ip);
 * ```
 */
export function managerOf(layout: ClusterLayout): [string, ClusterNode] {
  const entry = Object.entries(layout).find(([, node]) => node.nodeType === "MANAGER");
  if (!entry) throw new RangeError("Cannot find the manager: the layout has no MANAGER node");
  return entry;
}
