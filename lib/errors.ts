/**
 * Domain errors that callers catch. Each sets `name` and passes `{ cause }`.
 *
 * @module
 */

/** A cluster layout (or one node of it) is invalid. `problems` lists every problem found. */
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

/** Options (flags, environment, option objects) are invalid. */
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

/** Wire data could not be encoded or decoded. Never thrown for anything but bad data. */
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

/** An operation was attempted on a transport that is closed. */
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

/** A data store operation failed. `code` is Broker's error name where one applies. */
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

/** A control request got no answer in time. */
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
