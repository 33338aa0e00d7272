/**
 * The row changes a write-behind SQLite backend hands to its commit thread, packed into one
 * transferable buffer per commit: puts (key and value in `broker-bin-v1`, expiry), erases and
 * clears, in the order the store made them.
 *
 * Layout, repeated: op (1 byte); put: key length (u32 BE), key, value length (u32 BE), value,
 * has-expiry (1 byte), expiry ns (i64 BE, only when present); erase: key length, key; clear:
 * nothing.
 *
 * @module
 */

import { ByteSink } from "../byte_sink.ts";

const OP_PUT = 1;
const OP_ERASE = 2;
const OP_CLEAR = 3;

/** Collects row changes until {@linkcode WriteBatchBuilder.take}. */
export class WriteBatchBuilder {
  readonly #sink = new ByteSink(4096);
  #ops = 0;

  /** Changes collected since the last take. */
  get ops(): number {
    return this.#ops;
  }

  /** Bytes collected since the last take. */
  get bytes(): number {
    return this.#sink.pos;
  }

  /** A put (insert or replace). The encodings are copied. */
  put(keyBin: Uint8Array, valueBin: Uint8Array, expiryNs: bigint | null): void {
    const sink = this.#sink;
    sink.ensure(18 + keyBin.length + valueBin.length);
    sink.buf[sink.pos++] = OP_PUT;
    blob(sink, keyBin);
    blob(sink, valueBin);
    if (expiryNs === null) {
      sink.buf[sink.pos++] = 0;
    } else {
      sink.buf[sink.pos++] = 1;
      sink.view.setBigInt64(sink.pos, expiryNs);
      sink.pos += 8;
    }
    this.#ops++;
  }

  /** An erase of one key. */
  erase(keyBin: Uint8Array): void {
    const sink = this.#sink;
    sink.ensure(5 + keyBin.length);
    sink.buf[sink.pos++] = OP_ERASE;
    blob(sink, keyBin);
    this.#ops++;
  }

  /** A clear: the changes before it in this batch no longer matter, so they are dropped. */
  clear(): void {
    this.#sink.pos = 0;
    this.#sink.byte(OP_CLEAR);
    this.#ops = 1;
  }

  /** The changes collected (a buffer of their own, to transfer), and starts over. */
  take(): ArrayBuffer {
    this.#ops = 0;
    const out = this.#sink.finish();
    this.#sink.reset();
    return out.buffer as ArrayBuffer;
  }
}

/** A length-prefixed blob, written by hand into room already ensured. */
function blob(sink: ByteSink, bytes: Uint8Array): void {
  sink.view.setUint32(sink.pos, bytes.length);
  sink.buf.set(bytes, sink.pos + 4);
  sink.pos += 4 + bytes.length;
}

/** What {@linkcode applyWriteBatch} calls for each change. */
export interface WriteBatchTarget {
  put(keyBin: Uint8Array, valueBin: Uint8Array, expiryNs: bigint | null): void;
  erase(keyBin: Uint8Array): void;
  clear(): void;
}

/**
 * Replays a batch's changes in order.
 *
 * @param batch A buffer made by {@linkcode WriteBatchBuilder.take}.
 * @param target Where the changes go.
 * @returns The number of changes.
 * @throws {RangeError} When the buffer is not a well-formed batch.
 */
export function applyWriteBatch(batch: ArrayBuffer, target: WriteBatchTarget): number {
  const buf = new Uint8Array(batch);
  const view = new DataView(batch);
  let pos = 0;
  let ops = 0;
  const blob = (): Uint8Array => {
    if (pos + 4 > buf.length) throw new RangeError("Cannot read write batch: truncated length");
    const n = view.getUint32(pos);
    pos += 4;
    if (pos + n > buf.length) throw new RangeError("Cannot read write batch: truncated bytes");
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const op = buf[pos++];
    if (op === OP_PUT) {
      const key = blob();
      const value = blob();
      const has = buf[pos++];
      let expiry: bigint | null = null;
      if (has === 1) {
        if (pos + 8 > buf.length) throw new RangeError("Cannot read write batch: truncated expiry");
        expiry = view.getBigInt64(pos);
        pos += 8;
      } else if (has !== 0) {
        throw new RangeError(`Cannot read write batch: bad expiry flag ${has}`);
      }
      target.put(key, value, expiry);
    } else if (op === OP_ERASE) {
      target.erase(blob());
    } else if (op === OP_CLEAR) {
      target.clear();
    } else {
      throw new RangeError(`Cannot read write batch: unknown op ${op} at byte ${pos - 1}`);
    }
    ops++;
  }
  return ops;
}
