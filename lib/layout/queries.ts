import type { ClusterLayout, ClusterNode, NodeType } from "./types.ts";

/**
 * The names of the nodes of one type, sorted by name (byte order, as Zeek sorts pools).
 *
 * @param layout The layout.
 * @param type The node type.
 * @returns Sorted node names.
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
 */
export function managerOf(layout: ClusterLayout): [string, ClusterNode] {
  const entry = Object.entries(layout).find(([, node]) => node.nodeType === "MANAGER");
  if (!entry) throw new RangeError("Cannot find the manager: the layout has no MANAGER node");
  return entry;
}
