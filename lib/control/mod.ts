/**
 * Zeek's control framework: the controllee every node runs ({@link installControl}) and the
 * controller behind `zcluster print`, `peerstatus`, `netstats`, `stop` and `status`
 * ({@link ControlClient}), plus the text formatting of their results.
 *
 * @example
 * ```ts ignore
 * import { connectControl, formatNetStats, resolveControlOptions } from "./mod.ts";
 * declare const layout: import("../layout/types.ts").ClusterLayout;
 * await using client = await connectControl({ options: resolveControlOptions({ layout }) });
 * console.log(formatNetStats(await client.netStats()));
 * ```
 *
 * @module
 */
export * from "./commands.ts";
export * from "./id_value.ts";
export * from "./control_service.ts";
export * from "./control_client.ts";
export * from "./format.ts";
export type { StatusOptions, StopResult, StopState } from "./_operations.ts";
export { DEFAULT_STATUS_SAMPLE_MS } from "./_operations.ts";
