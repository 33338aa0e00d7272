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

export { DEFAULT_STATUS_SAMPLE_MS } from "./_operations.ts";
export type { StatusOptions, StopResult, StopState } from "./_operations.ts";
export {
  CONFIGURATION_UPDATE_EVENT,
  CONTROL_COMMANDS,
  CONTROL_TOPIC,
  CONTROLLED_TYPES,
  DEFAULT_CONTROL_TIMEOUT_MS,
  netStatsText,
  parseNetStats,
  parseResponseTopic,
  peerStatusText,
  REQUEST_EVENTS,
  RESPONSE_EVENTS,
  responseTopic,
} from "./commands.ts";
export type { ControlCommand, NetStats, PeerLine } from "./commands.ts";
export {
  formatZeekInterval,
  formatZeekValue,
  knownZeekIds,
  lookupId,
  UNKNOWN_ID,
} from "./id_value.ts";
export { DEFAULT_SHUTDOWN_DELAY_MS, installControl } from "./control_service.ts";
export type { ControlledNode, ControlService, ControlServiceOptions } from "./control_service.ts";
export {
  connectControl,
  ControlClient,
  controlTargets,
  resolveControlOptions,
  SYNTHETIC_CONTROL_NAME,
} from "./control_client.ts";
export type {
  ControlClientOptions,
  NodeReply,
  RawReply,
  RequestOptions,
} from "./control_client.ts";
export {
  formatNetStats,
  formatPeerStatus,
  formatPrint,
  formatStatus,
  formatStop,
  formatTable,
  formatUptime,
} from "./format.ts";
export type { NodeStatus } from "./format.ts";
