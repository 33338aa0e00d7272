/**
 * Where a {@link LogService}'s accepted records go: this node's own files ({@link FileSink}:
 * loggers, standalone nodes, a manager that is the logger) or `zeek-bin-serializer` batches pushed
 * to the loggers ({@link BatchSink}). The service validates, runs policy hooks and filters; the
 * sink is the one place that knows which of the two a node does.
 *
 * @module
 */
import { SerializationError } from "../errors.ts";
import type { BatchBufferPool } from "./delivery/batch_buffers.ts";
import type { LogWriterManager } from "./files/writer_manager.ts";
import type { LogField, LogRow } from "./schema/schema.ts";
import { BatchBuilder, type BatchHead } from "./wire/_record_encoder.ts";
import { decodeLogWrite, LOG_SERIALIZER_NAME } from "./wire/batch_codec.ts";

/** A log batch as the transport hands it over. */
export interface ReceivedBatch {
  /** The node that sent it. */
  readonly sender: string;
  /** The serializer name of frame 2. */
  readonly format: string;
  /** The batch bytes. */
  readonly batch: Uint8Array;
}

/** The strategy a {@link LogService} writes through. */
export interface LogSink {
  /**
   * Whether records are written on this node ({@link LogSink.writeRows}) rather than encoded into
   * the batches of {@link LogSink.newBatch}.
   */
  readonly local: boolean;
  /** Whether {@link LogSink.send} takes batches (then the service also flushes them periodically). */
  readonly sends: boolean;
  /** The batch a new filter collects its records in, or undefined when records go to files. */
  newBatch(head: BatchHead): BatchBuilder | undefined;
  /** Writes validated rows (local sinks). */
  writeRows(
    path: string,
    fields: readonly LogField[],
    rows: readonly LogRow[],
    writer: string,
  ): void;
  /** Sends one encoded batch; false when it was dropped. */
  send(batch: Uint8Array): boolean;
  /** Writes a batch received from another node; returns its records. @throws When it cannot. */
  receive(log: ReceivedBatch): number;
  /** Flushes what the sink buffers (files); the sink's owner closes it. */
  flush(): Promise<void>;
}

/**
 * Records written to this node's files through a writer manager.
 *
 * @example
 * ```ts ignore
 * const sink = new FileSink(await LogWriterManager.create({ dir: "logs" }));
 * ```
 */
export class FileSink implements LogSink {
  readonly local = true;
  readonly sends = false;
  readonly #files: LogWriterManager;

  /** @param files The node's writer manager (owned by the caller). */
  constructor(files: LogWriterManager) {
    this.#files = files;
  }

  /** The writer manager records go to. */
  get files(): LogWriterManager {
    return this.#files;
  }

  newBatch(): undefined {
    return undefined;
  }

  writeRows(
    path: string,
    fields: readonly LogField[],
    rows: readonly LogRow[],
    writer: string,
  ): void {
    this.#files.writeRows(path, fields, rows, writer);
  }

  send(): boolean {
    return false;
  }

  receive(log: ReceivedBatch): number {
    // Another serializer: decodeLogWrite() throws the error that says so.
    return log.format === LOG_SERIALIZER_NAME
      ? this.#files.writeEncodedBatch(log.batch)
      : this.#files.writeBatch(decodeLogWrite(log));
  }

  flush(): Promise<void> {
    return this.#files.flush();
  }
}

/**
 * Records encoded into one batch per filter and pushed to the loggers.
 *
 * @example
 * ```ts ignore
 * const sink = new BatchSink((batch) => transport.sendLog(nodeId, LOG_FORMAT, batch));
 * ```
 */
export class BatchSink implements LogSink {
  readonly local = false;
  readonly sends: boolean;
  readonly #send: ((batch: Uint8Array) => boolean) | undefined;
  readonly #buffers: BatchBufferPool | undefined;

  /**
   * @param send Sends one encoded batch to the loggers; returns false when it was dropped. Without
   *   it, batches are collected and never sent.
   * @param buffers Where batch buffers come from; whoever owns a sent batch gives its buffer back
   *   once nothing holds it. Without it, every batch is a fresh buffer.
   */
  constructor(send?: (batch: Uint8Array) => boolean, buffers?: BatchBufferPool) {
    this.#send = send;
    this.sends = send !== undefined;
    this.#buffers = buffers;
  }

  newBatch(head: BatchHead): BatchBuilder {
    return new BatchBuilder(head, this.#buffers);
  }

  writeRows(): void {
    throw new TypeError("Cannot write rows: this node sends its logs to the loggers");
  }

  send(batch: Uint8Array): boolean {
    return this.#send ? this.#send(batch) : false;
  }

  receive(): number {
    throw new SerializationError("this node writes no logs");
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
