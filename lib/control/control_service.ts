/**
 * The controllee: what every node runs to answer Zeek's control requests
 * (`policy/frameworks/control/controllee.zeek`). Requests arrive on the node topic; each answer is
 * published to `zeek/control/<command>_response/<node>`.
 *
 * - `id_value_request(id)`: the option's value, by zcluster or Zeek name ({@link lookupId}).
 * - `peer_status_request()`: one line per node that is up (id, address, name).
 * - `net_stats_request()`: Zeek's `recvd/dropped/link` line plus zcluster's counters.
 * - `configuration_update_request()`: raises the local `Control::configuration_update` event and
 *   acknowledges. Options are frozen once a node runs, so nothing changes by itself: site code
 *   that wants to react (say, re-read a file) handles `Control::configuration_update`.
 * - `shutdown_request()`: answers, then closes the node gracefully (flushing logs and queued
 *   sends); the node's `closed` promise resolves without an error, so `main.ts` exits 0.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { silentLogger } from "../diagnostics/logger.ts";
import type { Cluster } from "../cluster/cluster.ts";
import type { LogService } from "../logging/log_service.ts";
import type { ClusterOptions } from "../options/options.ts";
import type { Transport } from "../transport/transport.ts";
import type { BrokerValue } from "../serialization/mod.ts";
import {
  CONFIGURATION_UPDATE_EVENT,
  type ControlCommand,
  type NetStats,
  netStatsText,
  peerStatusText,
  REQUEST_EVENTS,
  RESPONSE_EVENTS,
  responseTopic,
} from "./commands.ts";
import { lookupId } from "./id_value.ts";

/** The parts of a node the control service uses (a `RunningNode` has them all). */
export interface ControlledNode {
  /** The node's options (its name, the layout, the options `id_value` reads). */
  readonly options: ClusterOptions;
  /** The event layer requests arrive on and answers leave by. */
  readonly cluster: Cluster;
  /** The transport whose counters `net_stats` reports. */
  readonly transport: Pick<Transport, "stats">;
  /** The logging framework whose counters `net_stats` reports. */
  readonly log: Pick<LogService, "stats">;
  /** Stops the node (`shutdown`). */
  close(): Promise<void>;
}

/** Options of {@link installControl}. */
export interface ControlServiceOptions {
  /** Time source (network time in answers, uptime). */
  readonly clock?: Clock;
  /** Diagnostics. */
  readonly logger?: Logger;
  /** Delay between the `shutdown_response` and closing the node, ms (default 50). */
  readonly shutdownDelayMs?: number;
  /** Monotonic ms at which the node started; the install time by default. */
  readonly startedAtMs?: number;
}

/** Default delay between the shutdown answer and the close, ms. */
export const DEFAULT_SHUTDOWN_DELAY_MS = 50;

/** A running control service; disposing it removes its handlers and cancels a pending stop. */
export interface ControlService extends Disposable {
  /** Requests answered, by command. */
  readonly answered: Readonly<Record<ControlCommand, number>>;
  /** The node's counters as a `net_stats` answer reports them. */
  netStats(): NetStats;
}

/**
 * Answers Zeek's control requests on a node.
 *
 * @example
 * ```ts ignore
 * import { type ControlledNode, installControl } from "./control_service.ts";
 * declare const node: ControlledNode; // a RunningNode from createNode()
 * using control = installControl(node);
 * control.answered.net_stats; // 0
 * ```
 *
 * @param node The node (its options, event layer, transport, logging and `close`).
 * @param options Clock, logger, shutdown delay.
 * @returns The service; dispose it with the node.
 */
export function installControl(
  node: ControlledNode,
  options: ControlServiceOptions = {},
): ControlService {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const startedAtMs = options.startedAtMs ?? clock.monotonicMs();
  const delayMs = options.shutdownDelayMs ?? DEFAULT_SHUTDOWN_DELAY_MS;
  const { cluster } = node;
  const name = node.options.node;
  const answered: Record<ControlCommand, number> = {
    id_value: 0,
    peer_status: 0,
    net_stats: 0,
    configuration_update: 0,
    shutdown: 0,
  };
  let shutdownTimer: ReturnType<typeof setTimeout> | undefined;

  const reply = (command: ControlCommand, ...args: BrokerValue[]) => {
    answered[command]++;
    if (!cluster.publish(responseTopic(command, name), RESPONSE_EVENTS[command], ...args)) {
      logger.warn(`Cannot send ${RESPONSE_EVENTS[command]}: publish failed`);
    }
  };

  const netStats = (): NetStats => {
    const t = node.transport.stats;
    let logWrites = 0;
    for (const n of node.log.stats.writes.values()) logWrites += n;
    return {
      ts: clock.now(),
      recvd: t.messagesIn - t.onloopDrops,
      dropped: t.onloopDrops,
      link: t.messagesIn,
      eventsIn: cluster.stats.handled.total(),
      eventsOut: cluster.stats.published.total(),
      xpubDrops: t.xpubDrops,
      logDrops: t.logDrops + node.log.stats.recordsDropped,
      msgErrors: t.msgErrors + cluster.stats.serializationErrors + cluster.stats.formatMismatches,
      logWrites,
      uptimeS: (clock.monotonicMs() - startedAtMs) / 1000,
    };
  };

  const peerStatus = (): string => {
    const ts = clock.now();
    return peerStatusText(
      cluster.upNodes().sort().map((peer) => ({
        ts,
        peer: cluster.idOf(peer) ?? "",
        host: node.options.layout[peer]?.ip ?? "",
        status: "up",
        node: peer,
      })),
    );
  };

  const offs = [
    cluster.on(REQUEST_EVENTS.id_value, (id) => {
      if (typeof id !== "string") {
        logger.warn(`Ignored ${REQUEST_EVENTS.id_value}: expected a string id`);
        return;
      }
      reply("id_value", id, lookupId(node.options, id));
    }),
    cluster.on(REQUEST_EVENTS.peer_status, () => reply("peer_status", peerStatus())),
    cluster.on(REQUEST_EVENTS.net_stats, () => reply("net_stats", netStatsText(netStats()))),
    cluster.on(REQUEST_EVENTS.configuration_update, () => {
      cluster.raise(CONFIGURATION_UPDATE_EVENT);
      reply("configuration_update");
    }),
    cluster.on(REQUEST_EVENTS.shutdown, () => {
      reply("shutdown");
      if (shutdownTimer !== undefined) return;
      logger.info("shutdown requested by control");
      shutdownTimer = setTimeout(() => void node.close(), delayMs);
    }),
  ];

  return {
    answered,
    netStats,
    [Symbol.dispose]() {
      for (const off of offs.splice(0)) off();
      clearTimeout(shutdownTimer);
    },
  };
}
