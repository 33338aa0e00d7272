/**
 * The composition root of a node: builds every part from the options and injected dependencies,
 * and disposes them in reverse order.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Logger } from "../diagnostics/logger.ts";
import { silentLogger } from "../diagnostics/logger.ts";
import type { ClusterOptions } from "../options/options.ts";
import { localNodeType } from "../options/options.ts";

/** Dependencies of a node, injected. */
export interface NodeDeps {
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** A running node. */
export interface RunningNode extends AsyncDisposable {
  /** The node's options. */
  readonly options: ClusterOptions;
  /** Resolves when the node has stopped: with the error that stopped it, or undefined. */
  readonly closed: Promise<void | Error>;
  /** Stops the node (same as disposing it). */
  close(): Promise<void>;
}

/**
 * Creates and starts a node.
 *
 * @param options The node's options.
 * @param deps Logger and clock.
 * @returns The running node; `await using` disposes it.
 */
export function createNode(options: ClusterOptions, deps: NodeDeps = {}): Promise<RunningNode> {
  const logger = deps.logger ?? silentLogger;
  const _clock = deps.clock ?? systemClock;
  const resources: AsyncDisposable[] = [];
  let resolveClosed!: (value: void | Error) => void;
  const closed = new Promise<void | Error>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const resource of resources.reverse()) {
        try {
          await resource[Symbol.asyncDispose]();
        } catch (error) {
          logger.error("error while stopping", { error: String(error) });
        }
      }
      resolveClosed();
    })();
    return closing;
  };
  logger.info(`node ${options.node || "(standalone)"} starting`, {
    type: localNodeType(options),
  });
  return Promise.resolve({ options, closed, close, [Symbol.asyncDispose]: close });
}
