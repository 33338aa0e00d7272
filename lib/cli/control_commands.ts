/**
 * The CLI commands that talk to a running cluster through Zeek's control events (`print`,
 * `peerstatus`, `netstats`, `stop`, `status`).
 *
 * @module
 */
import { ControlTimeoutError, OptionsError } from "../errors.ts";
import {
  connectControl,
  controlTargets,
  resolveControlOptions,
} from "../control/control_client.ts";
import {
  formatNetStats,
  formatPeerStatus,
  formatPrint,
  formatStatus,
  formatStop,
} from "../control/format.ts";
import type { Logger } from "../diagnostics/logger.ts";
import type { ClusterLayout } from "../layout/types.ts";
import type { ParsedArgs } from "./args.ts";

/** What a command needs from `main`. */
export interface CommandContext {
  readonly args: ParsedArgs;
  /** The command line as given (after the program name). */
  readonly argv: readonly string[];
  readonly layout: ClusterLayout;
  readonly layoutPath: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly print: (text: string) => void;
}

/**
 * Runs `print`, `peerstatus`, `netstats`, `stop` or `status`.
 *
 * @returns The exit code: 0, or 1 when a node did not answer or did not stop.
 * @throws {OptionsError} For missing arguments.
 */
export async function runControlCommand(ctx: CommandContext): Promise<number> {
  const { args, layout } = ctx;
  const options = resolveControlOptions({
    layout,
    env: ctx.env,
    overrides: args.overrides,
    ...(args.controlNode !== undefined ? { node: args.controlNode } : {}),
  });
  if (args.command !== "print") checkNodeNames(layout, args.positionals);
  const opts = { timeoutMs: args.timeoutMs, signal: ctx.signal };
  await using client = await connectControl({
    options,
    logger: ctx.logger,
    signal: ctx.signal,
    connectTimeoutMs: args.timeoutMs,
  });
  const nodes = args.positionals.length > 0 ? [...args.positionals] : undefined;
  try {
    switch (args.command) {
      case "print": {
        const [node, option] = args.positionals;
        if (node === undefined || option === undefined) {
          throw new OptionsError(
            "Usage: zcluster print NODE OPTION (e.g. print worker-1 retryIntervalMs)",
          );
        }
        if (!(node in layout)) {
          throw new OptionsError(
            `Unknown node "${node}": the layout has ${Object.keys(layout).join(", ")}`,
          );
        }
        ctx.print(formatPrint(node, option, await client.print(node, option, opts)));
        return 0;
      }
      case "peerstatus": {
        const replies = await client.peerStatus(nodes, opts);
        ctx.print(formatPeerStatus(replies));
        return replies.every((r) => r.ok) ? 0 : 1;
      }
      case "netstats": {
        const replies = await client.netStats(nodes, opts);
        ctx.print(formatNetStats(replies));
        return replies.every((r) => r.ok) ? 0 : 1;
      }
      case "stop": {
        const results = await client.stop(nodes, opts);
        ctx.print(formatStop(results));
        return results.every((r) => ["stopped", "confirmed", "not_running"].includes(r.state))
          ? 0
          : 1;
      }
      default: {
        const rows = await client.status({
          sampleMs: args.sampleMs,
          timeoutMs: args.timeoutMs,
          signal: ctx.signal,
          ...(nodes ? { nodes } : {}),
        });
        ctx.print(formatStatus(rows));
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ControlTimeoutError) {
      ctx.logger.error(error.message);
      return 1;
    }
    throw error;
  }
}

/**
 * Refuses node names that are not nodes a controller addresses, naming each, before anything
 * connects: `status worker-1 bogus` is a typo, not a node that is down.
 *
 * @throws {OptionsError} Naming every unknown node and the layout's nodes.
 */
function checkNodeNames(layout: ClusterLayout, names: readonly string[]): void {
  const targets = controlTargets(layout);
  const unknown = names.filter((name) => !targets.includes(name));
  if (unknown.length === 0) return;
  const which = unknown.map((n) => JSON.stringify(n)).join(", ");
  throw new OptionsError(
    `Unknown node${unknown.length === 1 ? "" : "s"} ${which}: the layout's nodes are ${
      targets.join(", ")
    }`,
  );
}
