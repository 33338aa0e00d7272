/**
 * Zeek's control framework on the wire (`base/frameworks/control/main.zeek`,
 * `policy/frameworks/control/controllee.zeek`): the request/response event pairs, the topics, and
 * the text of the `peer_status` and `net_stats` answers.
 *
 * Requests go to the node topic of the target (`zeek.cluster.node.<name>.` under ZeroMQ, as zeekctl
 * sends them); replies are published to `zeek/control/<response_name>/<node>` (slashes, even under
 * ZeroMQ: the topic prefix `zeek/control` is not redefinable and zeekctl subscribes to it).
 *
 * @module
 */

/** Zeek's `Control::topic_prefix`. */
export const CONTROL_TOPIC = "zeek/control";

/** The control commands (`Control::commands`). */
export const CONTROL_COMMANDS = [
  "id_value",
  "peer_status",
  "net_stats",
  "configuration_update",
  "shutdown",
] as const;

/** One of {@link CONTROL_COMMANDS}. */
export type ControlCommand = typeof CONTROL_COMMANDS[number];

/** Wire names of the request events, by command. */
export const REQUEST_EVENTS: Readonly<Record<ControlCommand, string>> = Object.freeze({
  id_value: "Control::id_value_request",
  peer_status: "Control::peer_status_request",
  net_stats: "Control::net_stats_request",
  configuration_update: "Control::configuration_update_request",
  shutdown: "Control::shutdown_request",
});

/** Wire names of the response events, by command. */
export const RESPONSE_EVENTS: Readonly<Record<ControlCommand, string>> = Object.freeze({
  id_value: "Control::id_value_response",
  peer_status: "Control::peer_status_response",
  net_stats: "Control::net_stats_response",
  configuration_update: "Control::configuration_update_response",
  shutdown: "Control::shutdown_response",
});

/** Default time a control operation may take (zeekctl's `CommTimeout`), ms. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;

/** Node types a controller addresses by default, in the order `stop` stops them. */
export const CONTROLLED_TYPES = ["WORKER", "PROXY", "LOGGER", "MANAGER"] as const;

/** The local event a node raises on `configuration_update_request` (Zeek's alias event). */
export const CONFIGURATION_UPDATE_EVENT = "Control::configuration_update";

/**
 * The topic a node publishes a reply to: `zeek/control/<command>_response/<node>`.
 *
 * @example
 * ```ts
 * import { responseTopic } from "./commands.ts";
 * responseTopic("id_value", "worker-1"); // "zeek/control/id_value_response/worker-1"
 * ```
 *
 * @param command The command answered.
 * @param node The answering node's name.
 * @returns The reply topic.
 */
export function responseTopic(command: ControlCommand, node: string): string {
  return `${CONTROL_TOPIC}/${command}_response/${node}`;
}

/**
 * Splits a reply topic into the command and the node name, as zeekctl does (the node is the last
 * segment).
 *
 * @param topic A topic.
 * @returns The command and node, or `undefined` when the topic is not a control reply topic.
 */
export function parseResponseTopic(
  topic: string,
): { command: ControlCommand; node: string } | undefined {
  const prefix = `${CONTROL_TOPIC}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash < 0) return undefined;
  const head = rest.slice(0, slash);
  const node = rest.slice(slash + 1);
  const command = head.endsWith("_response") ? head.slice(0, -"_response".length) : "";
  if (node === "" || !(CONTROL_COMMANDS as readonly string[]).includes(command)) return undefined;
  return { command: command as ControlCommand, node };
}

/** One line of a `peer_status` answer. */
export interface PeerLine {
  /** The node's network time (epoch seconds). */
  readonly ts: number;
  /** The peer's node id. */
  readonly peer: string;
  /** The peer's address (from the layout). */
  readonly host: string;
  /** The peer's status; zcluster reports `up` for every node that said hello. */
  readonly status: string;
  /** The peer's node name (a zcluster addition at the end of Zeek's line). */
  readonly node: string;
}

/**
 * Formats a `peer_status` answer: one line per peer, Zeek's
 * `<ts %.6f> peer=<id> host=<addr> status=<status>` plus ` node=<name>`, each ending in a newline.
 *
 * @param peers The peers.
 * @returns The answer text ("" without peers, as Zeek).
 */
export function peerStatusText(peers: readonly PeerLine[]): string {
  return peers.map((p) =>
    `${p.ts.toFixed(6)} peer=${p.peer} host=${p.host} status=${p.status} node=${p.node}\n`
  ).join("");
}

/** Counters of a `net_stats` answer. */
export interface NetStats {
  /** The node's network time (epoch seconds). */
  readonly ts: number;
  /** Zeek's `recvd`: events taken from the wire and handled (`link - dropped`). */
  readonly recvd: number;
  /** Zeek's `dropped`: events dropped because the onloop queue was full. */
  readonly dropped: number;
  /** Zeek's `link`: events that arrived from the proxy. */
  readonly link: number;
  /** zcluster: events handled by the event layer (remote and local), as `zeek_cluster_incoming`. */
  readonly eventsIn: number;
  /** zcluster: events published. */
  readonly eventsOut: number;
  /** zcluster: events dropped on publish (XPUB). */
  readonly xpubDrops: number;
  /** zcluster: log batches or records dropped. */
  readonly logDrops: number;
  /** zcluster: malformed messages and undecodable events. */
  readonly msgErrors: number;
  /** zcluster: log records written (locally or pushed to loggers). */
  readonly logWrites: number;
  /** zcluster: seconds since the node started answering control requests. */
  readonly uptimeS: number;
}

const NET_STATS_KEYS: readonly [keyof NetStats, string][] = [
  ["recvd", "recvd"],
  ["dropped", "dropped"],
  ["link", "link"],
  ["eventsOut", "sent"],
  ["eventsIn", "events_in"],
  ["xpubDrops", "xpub_drops"],
  ["logDrops", "log_drops"],
  ["msgErrors", "msg_errors"],
  ["logWrites", "log_writes"],
];

/**
 * Formats a `net_stats` answer: Zeek's `<ts %.6f> recvd=<n> dropped=<n> link=<n>` followed by
 * zcluster's counters and a newline.
 *
 * @example
 * ```ts
 * import { netStatsText } from "./commands.ts";
 * netStatsText({ ts: 1, recvd: 2, dropped: 0, link: 2, eventsIn: 3, eventsOut: 4, xpubDrops: 0,
 *   logDrops: 0, msgErrors: 0, logWrites: 5, uptimeS: 6 });
 * // "1.000000 recvd=2 dropped=0 link=2 sent=4 events_in=3 ... uptime=6.000\n"
 * ```
 *
 * @param stats The counters.
 * @returns The answer text.
 */
export function netStatsText(stats: NetStats): string {
  const fields = NET_STATS_KEYS.map(([key, word]) => `${word}=${stats[key]}`);
  return `${stats.ts.toFixed(6)} ${fields.join(" ")} uptime=${stats.uptimeS.toFixed(3)}\n`;
}

/**
 * Parses a `net_stats` answer, Zeek's or zcluster's. Fields Zeek does not send are `undefined`.
 *
 * @param text The answer.
 * @returns The counters found.
 * @throws {SyntaxError} When the text does not start with a timestamp.
 */
export function parseNetStats(text: string): Partial<NetStats> & { ts: number } {
  const [first, ...rest] = text.trim().split(/\s+/);
  const ts = Number(first);
  if (first === undefined || first === "" || !Number.isFinite(ts)) {
    throw new SyntaxError(`Cannot parse net_stats answer ${JSON.stringify(text)}: no timestamp`);
  }
  const out: Record<string, number> = { ts };
  const byWord = new Map(NET_STATS_KEYS.map(([key, word]) => [word, key as string]));
  byWord.set("uptime", "uptimeS");
  for (const field of rest) {
    const eq = field.indexOf("=");
    const key = byWord.get(field.slice(0, eq));
    const value = Number(field.slice(eq + 1));
    if (eq > 0 && key !== undefined && Number.isFinite(value)) out[key] = value;
  }
  return out as Partial<NetStats> & { ts: number };
}
