/**
 * Domain errors that callers catch. Each sets `name` and passes `{ cause }`.
 *
 * @module
 */

/**
 * A cluster layout (or one node of it) is invalid. `problems` lists every problem found.
 *
 * @example
 * ```ts
 * import { LayoutError, parseLayout } from "../mod.ts";
 * try {
 *   parseLayout({ "worker-1": { nodeType: "WORKER", ip: "127.0.0.1", p: 27763 } });
 * } catch (e) {
 *   if (e instanceof LayoutError) console.error(e.problems.join("\n")); // no manager, ...
 * }
 * ```
 */
export class LayoutError extends Error {
  /** Every problem found, each naming the node and the field. */
  readonly problems: readonly string[];
  /**
   * Creates a `LayoutError`.
   *
   * @param problems Every problem found.
   * @param options The `cause`, if any.
   */
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      problems.length === 1
        ? `Invalid cluster layout: ${problems[0]}`
        : `Invalid cluster layout: ${problems.length} problems:\n  ${problems.join("\n  ")}`,
      options,
    );
    this.name = "LayoutError";
    this.problems = problems;
  }
}

/**
 * Options (flags, environment, option objects) are invalid.
 *
 * @example
 * ```ts
 * import { OptionsError, parseLayout, resolveOptions } from "../mod.ts";
 * const layout = parseLayout({ manager: { nodeType: "MANAGER", ip: "127.0.0.1", p: 27762 } });
 * try {
 *   resolveOptions({ layout, node: "worker-9" });
 * } catch (e) {
 *   if (e instanceof OptionsError) console.error(e.message); // names "worker-9"
 * }
 * ```
 */
export class OptionsError extends Error {
  /**
   * Creates an `OptionsError`.
   *
   * @param message What is wrong, naming the option.
   * @param options The `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OptionsError";
  }
}

/**
 * Wire data could not be encoded or decoded. Never thrown for anything but bad data.
 *
 * @example
 * ```ts
 * import { SerializationError } from "../mod.ts";
 * const e = new SerializationError("Cannot decode event: truncated at byte 12");
 * e.name; // "SerializationError", the cause (if any) in e.cause
 * ```
 */
export class SerializationError extends Error {
  /**
   * Creates a `SerializationError`.
   *
   * @param message What could not be encoded or decoded.
   * @param options The `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SerializationError";
  }
}

/**
 * An operation was attempted on a transport that is closed.
 *
 * @example
 * ```ts
 * import { TransportClosedError, type Transport } from "../mod.ts";
 * declare const transport: Transport;
 * try {
 *   transport.subscribe("zeek.cluster.");
 * } catch (e) {
 *   if (e instanceof TransportClosedError) console.error("the node is stopping");
 * }
 * ```
 */
export class TransportClosedError extends Error {
  /**
   * Creates a `TransportClosedError`.
   *
   * @param message The operation refused.
   * @param options The `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransportClosedError";
  }
}

/**
 * A data store operation failed. `code` is Broker's error name where one applies.
 *
 * @example
 * ```ts
 * import { count, type RunningNode, StoreError } from "../mod.ts";
 * declare const node: RunningNode;
 * const { store } = node.createStore("hits");
 * try {
 *   await store.get(count(1));
 * } catch (e) {
 *   if (e instanceof StoreError && e.code === "no_such_key") console.log("no hits yet");
 * }
 * ```
 */
export class StoreError extends Error {
  /** Broker's error name, e.g. `no_such_key`, `stale_data`, `request_timeout`. */
  readonly code: string;
  /**
   * Creates a `StoreError`.
   *
   * @param code Broker's error name.
   * @param message What failed.
   * @param options The `cause`, if any.
   */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}

/**
 * A control request got no answer in time.
 *
 * @example
 * ```ts
 * import { type ControlClient, ControlTimeoutError } from "../mod.ts";
 * declare const client: ControlClient;
 * try {
 *   await client.print("worker-1", "Cluster::retry_interval", { timeoutMs: 1000 });
 * } catch (e) {
 *   if (e instanceof ControlTimeoutError) console.error("worker-1 did not answer");
 * }
 * ```
 */
export class ControlTimeoutError extends Error {
  /**
   * Creates a `ControlTimeoutError`.
   *
   * @param message What went unanswered.
   * @param options The `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ControlTimeoutError";
  }
}

/**
 * Another process holds the lock of a log directory or a store file (it is running on it):
 * nothing of it was touched. Exits 2, as a configuration that cannot work as given.
 *
 * @example
 * ```ts
 * import { type ClusterLayout, createNode, LockHeldError, resolveOptions } from "../mod.ts";
 * declare const layout: ClusterLayout;
 * try {
 *   await using _node = await createNode(resolveOptions({ layout, node: "logger-1" }));
 * } catch (e) {
 *   if (e instanceof LockHeldError) console.error(`process ${e.pid} holds ${e.lockPath}`);
 * }
 * ```
 */
export class LockHeldError extends Error {
  /** What the lock protects, e.g. `log directory "logs"`. */
  readonly subject: string;
  /** The lock file. */
  readonly lockPath: string;
  /** The holder's pid, when its lock file names one. */
  readonly pid: number | undefined;
  /**
   * Creates a `LockHeldError`.
   *
   * @param subject What the lock protects.
   * @param lockPath The lock file.
   * @param pid The holder's pid, if known.
   * @param options The `cause`, if any.
   */
  constructor(subject: string, lockPath: string, pid: number | undefined, options?: ErrorOptions) {
    super(
      `Cannot use ${subject}: ${
        pid === undefined ? "another process" : `process ${pid}`
      } holds its lock (${lockPath}); is another zcluster node running on it?`,
      options,
    );
    this.name = "LockHeldError";
    this.subject = subject;
    this.lockPath = lockPath;
    this.pid = pid;
  }
}
