/**
 * Internal byte-level JSON parser for Broker JSON v1 input. It differs from `JSON.parse` where
 * Zeek's output needs it: numbers keep their source text (so 64-bit counts stay exact), strings
 * may hold raw control bytes, raw non-UTF-8 bytes (decoded to a `ByteString`) and the `\v`
 * escape, and the tokens `nan`, `-nan`, `inf` and `-inf` (what `printf("%f")` prints) are read as
 * numbers. Nesting is bounded.
 *
 * @module
 */

import { SerializationError } from "../errors.ts";
import { ByteSink } from "../byte_sink.ts";
import { decodeText } from "./_buffer.ts";
import type { ByteString } from "./data.ts";

/** A JSON number token, kept as source text. */
export class JsonNumber {
  /** The token text, e.g. `-12`, `1.500000`, `1e3`, `nan`. */
  readonly text: string;
  /** Whether the text is an integer literal (no fraction, no exponent). */
  readonly isInteger: boolean;
  constructor(text: string, isInteger: boolean) {
    this.text = text;
    this.isInteger = isInteger;
  }
}

/** A parsed JSON value. Objects have a null prototype. */
export type JsonNode =
  | null
  | boolean
  | string
  | ByteString
  | JsonNumber
  | JsonNode[]
  | { [key: string]: JsonNode };

const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x76: 0x0b,
};

/**
 * Parses one JSON document that must span the whole input (whitespace aside).
 * @throws {SerializationError} On any syntax error or nesting deeper than `maxDepth`.
 */
export function parseJson(bytes: Uint8Array, maxDepth: number): JsonNode {
  const p = new Parser(bytes);
  const node = p.value(maxDepth);
  p.skipWs();
  if (p.pos !== bytes.length) p.fail("trailing characters after the value");
  return node;
}

class Parser {
  readonly bytes: Uint8Array;
  pos = 0;
  #scratch: ByteSink | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  fail(what: string): never {
    throw new SerializationError(`Cannot parse JSON at offset ${this.pos}: ${what}`);
  }

  skipWs(): void {
    const b = this.bytes;
    for (; this.pos < b.length; this.pos++) {
      const c = b[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    }
  }

  value(depthLeft: number): JsonNode {
    this.skipWs();
    if (this.pos >= this.bytes.length) this.fail("unexpected end of input");
    const c = this.bytes[this.pos]!;
    switch (c) {
      case 0x7b: // {
        return this.object(depthLeft);
      case 0x5b: // [
        return this.array(depthLeft);
      case 0x22: // "
        return this.string();
      case 0x74:
        return this.literal("true", true);
      case 0x66:
        return this.literal("false", false);
      case 0x6e: // null or nan
        return this.bytes[this.pos + 1] === 0x61 ? this.number() : this.literal("null", null);
      default:
        return this.number();
    }
  }

  literal<T extends JsonNode>(word: string, value: T): T {
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) this.fail(`invalid literal`);
    }
    this.pos += word.length;
    return value;
  }

  object(depthLeft: number): { [key: string]: JsonNode } {
    if (depthLeft <= 0) this.fail("nesting deeper than the limit");
    this.pos++;
    const out: { [key: string]: JsonNode } = Object.create(null);
    this.skipWs();
    if (this.bytes[this.pos] === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.bytes[this.pos] !== 0x22) this.fail("expected a string key");
      const key = this.string();
      this.skipWs();
      if (this.bytes[this.pos] !== 0x3a) this.fail("expected ':'");
      this.pos++;
      out[typeof key === "string" ? key : key.toString()] = this.value(depthLeft - 1);
      this.skipWs();
      const c = this.bytes[this.pos];
      this.pos++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  array(depthLeft: number): JsonNode[] {
    if (depthLeft <= 0) this.fail("nesting deeper than the limit");
    this.pos++;
    const out: JsonNode[] = [];
    this.skipWs();
    if (this.bytes[this.pos] === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depthLeft - 1));
      this.skipWs();
      const c = this.bytes[this.pos];
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  string(): string | ByteString {
    const b = this.bytes;
    const start = ++this.pos;
    let i = start;
    while (i < b.length && b[i] !== 0x22 && b[i] !== 0x5c) i++;
    if (i >= b.length) this.fail("unterminated string");
    if (b[i] === 0x22) {
      this.pos = i + 1;
      return decodeText(b, start, i);
    }
    const w = this.#scratch ??= new ByteSink(64);
    w.reset();
    w.bytes(b, start, i);
    this.pos = i;
    for (;;) {
      if (this.pos >= b.length) this.fail("unterminated string");
      const c = b[this.pos]!;
      if (c === 0x22) break;
      if (c !== 0x5c) {
        w.byte(c);
        this.pos++;
        continue;
      }
      const e = b[this.pos + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        w.byte(simple);
        this.pos += 2;
      } else if (e === 0x75) {
        this.unicodeEscape(w);
      } else {
        this.fail("invalid escape");
      }
    }
    this.pos++;
    const out = w.finish();
    return decodeText(out, 0, out.length);
  }

  unicodeEscape(w: ByteSink): void {
    let code = this.hex4(this.pos + 2);
    this.pos += 6;
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = this.bytes[this.pos] === 0x5c && this.bytes[this.pos + 1] === 0x75
        ? this.hex4(this.pos + 2)
        : -1;
      if (low < 0xdc00 || low > 0xdfff) this.fail("unpaired surrogate in \\u escape");
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      this.pos += 6;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      this.fail("unpaired surrogate in \\u escape");
    }
    w.utf8(String.fromCodePoint(code));
  }

  hex4(at: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.bytes[at + k];
      const d = c === undefined
        ? -1
        : c >= 0x30 && c <= 0x39
        ? c - 0x30
        : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66
        ? (c | 0x20) - 0x57
        : -1;
      if (d < 0) this.fail("invalid \\u escape");
      v = v * 16 + d;
    }
    return v;
  }

  number(): JsonNumber {
    const b = this.bytes;
    const start = this.pos;
    let i = start;
    if (b[i] === 0x2d) i++;
    for (const word of ["nan", "inf"]) {
      if (b[i] === word.charCodeAt(0) && b[i + 1] === word.charCodeAt(1)) {
        this.pos = i;
        this.literal(word, null);
        return new JsonNumber(b[start] === 0x2d ? `-${word}` : word, false);
      }
    }
    const digits = () => {
      const s = i;
      while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
      if (i === s) {
        this.pos = i;
        this.fail("invalid number");
      }
    };
    if (b[i] === 0x30) i++;
    else digits();
    let isInteger = true;
    if (b[i] === 0x2e) {
      i++;
      digits();
      isInteger = false;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      digits();
      isInteger = false;
    }
    this.pos = i;
    let text = "";
    for (let k = start; k < i; k++) text += String.fromCharCode(b[k]!);
    return new JsonNumber(text, isInteger);
  }
}
