/**
 * Pure text formatting of control results for `zcluster status`, `peerstatus`, `netstats`,
 * `print` and `stop`, in zeekctl's spirit (one aligned table or one block per node).
 *
 * @module
 */
import type { NodeType } from "../layout/types.ts";
import type { NodeReply } from "./control_client.ts";
import type { StopResult } from "./_operations.ts";

/** One row of `zcluster status`. */
export interface NodeStatus {
  /** Node name. */
  readonly node: string;
  /** Node type from the layout. */
  readonly type: NodeType;
  /** Host (the layout's `ip`). */
  readonly host: string;
  /** Whether the node holds its node topic at the proxy (it runs). */
  readonly up: boolean;
  /** The node id that answered. */
  readonly id?: string;
  /** Seconds since the node started. */
  readonly uptimeS?: number;
  /** Events handled per second between the two samples (control traffic excluded). */
  readonly eventsInPerS?: number;
  /** Events published per second between the two samples (control traffic excluded). */
  readonly eventsOutPerS?: number;
  /** Log records written so far. */
  readonly logWrites?: number;
  /** Events and log records dropped so far (onloop, XPUB, log queue). */
  readonly drops?: number;
}

/**
 * Lays out rows as columns separated by two spaces, the header first.
 *
 * @param header Column titles.
 * @param rows Cells.
 * @returns The table, one line per row, with a trailing newline.
 */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [header, ...rows].map(line).join("\n") + "\n";
}

/**
 * A duration as `3d04h05m`, `1h02m03s`, `5m07s` or `42s`.
 *
 * @param seconds Seconds.
 * @returns The text.
 */
export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d${pad(h)}h${pad(m)}m`;
  if (h > 0) return `${h}h${pad(m)}m${pad(s % 60)}s`;
  if (m > 0) return `${m}m${pad(s % 60)}s`;
  return `${s}s`;
}

function rate(value: number | undefined): string {
  if (value === undefined) return "-";
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function opt(value: number | undefined): string {
  return value === undefined ? "-" : String(value);
}

/**
 * The `zcluster status` table.
 *
 * @example
 * ```ts
 * import { formatStatus } from "./format.ts";
 * formatStatus([{ node: "manager", type: "MANAGER", host: "127.0.0.1", up: false }]);
 * ```
 *
 * @param rows One status per node.
 * @returns The table.
 */
export function formatStatus(rows: readonly NodeStatus[]): string {
  return formatTable(
    [
      "Name",
      "Type",
      "Host",
      "Status",
      "Id",
      "Uptime",
      "Ev-in/s",
      "Ev-out/s",
      "Log-writes",
      "Drops",
    ],
    rows.map((r) => [
      r.node,
      r.type.toLowerCase(),
      r.host,
      r.up ? "running" : "stopped",
      r.id ?? "-",
      r.uptimeS === undefined ? "-" : formatUptime(r.uptimeS),
      rate(r.eventsInPerS),
      rate(r.eventsOutPerS),
      opt(r.logWrites),
      opt(r.drops),
    ]),
  );
}

function errorText(reply: NodeReply<string>): string {
  return reply.ok ? "" : `error: ${reply.error.message}`;
}

/**
 * The `zcluster peerstatus` output, as zeekctl prints it: each node's name, then its answer.
 *
 * @param replies One reply per node.
 * @returns The text.
 */
export function formatPeerStatus(replies: readonly NodeReply<string>[]): string {
  return replies.map((r) => {
    const body = r.ok ? r.value.replace(/\n?$/, "\n") : `${errorText(r)}\n`;
    return `${r.node}\n${body === "\n" ? "(no peers)\n" : body}`;
  }).join("");
}

/**
 * The `zcluster netstats` output, as zeekctl prints it: `<node>: <answer>`, names aligned.
 *
 * @param replies One reply per node.
 * @returns The text.
 */
export function formatNetStats(replies: readonly NodeReply<string>[]): string {
  const width = Math.max(0, ...replies.map((r) => r.node.length));
  return replies.map((r) =>
    `${r.node.padStart(width)}: ${r.ok ? r.value.trimEnd() : errorText(r)}\n`
  ).join("");
}

/**
 * The `zcluster print NODE OPTION` output, as zeekctl's `print`: `<node> <id> = <value>`.
 *
 * @param node Node name.
 * @param option The option asked for.
 * @param value Its value.
 * @returns The line.
 */
export function formatPrint(node: string, option: string, value: string): string {
  return `${node}  ${option} = ${value}\n`;
}

/**
 * The `zcluster stop` output: one line per node.
 *
 * @param results One result per node.
 * @returns The text.
 */
export function formatStop(results: readonly StopResult[]): string {
  const words: Record<StopResult["state"], string> = {
    stopped: "stopped",
    confirmed: "stopping (confirmed)",
    not_running: "not running",
    no_answer: "no answer",
  };
  return formatTable(
    ["Name", "Result"],
    results.map((
      r,
    ) => [r.node, r.error ? `${words[r.state]}: ${r.error.message}` : words[r.state]]),
  );
}
