import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeUtf8, Utf8Cache } from "./utf8.ts";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function expected(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

Deno.test("decodeUtf8() judges as a fatal TextDecoder, short and long, at any offset", () => {
  const cases: number[][] = [
    [],
    [0x61],
    [0xef, 0xbb, 0xbf, 0x61], // BOM kept
    [0xef, 0xbf, 0xbd], // a real U+FFFD
    [0xc3, 0xa9],
    [0xf0, 0x9f, 0x98, 0x80], // U+1F600
    [0xc3], // truncated
    [0xc0, 0x80], // overlong NUL
    [0xe0, 0x80, 0x80], // overlong
    [0xed, 0xa0, 0x80], // surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xff],
    [0x80],
  ];
  for (const core of cases) {
    for (const pad of [0, 20, 200]) {
      const body = [...Array(pad).fill(0x78), ...core, ...Array(pad).fill(0x79)];
      const bytes = new Uint8Array([0x01, 0x02, ...body, 0x03]);
      const got = decodeUtf8(bytes, 2, 2 + body.length);
      assert.equal(got, expected(new Uint8Array(body)), `${core} padded ${pad}`);
    }
  }
});

Deno.test("decodeUtf8() over random bytes agrees with a fatal TextDecoder", () => {
  // The fast lenient path this test holds to the strict decoder (lib/utf8.ts falls back without).
  assert.equal(
    typeof (Buffer.prototype as unknown as { utf8Slice: unknown }).utf8Slice,
    "function",
  );
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let n = 0; n < 5_000; n++) {
    const len = next() % 40;
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      bytes[i] = next() % 4 === 0 ? next() & 0xff : 0x20 + (next() % 0x5f);
    }
    assert.equal(decodeUtf8(bytes, 0, len), expected(bytes), `${bytes}`);
  }
});

Deno.test("Utf8Cache decodes as decodeUtf8, hands back the same string on a hit, and evicts in turn", () => {
  const enc = new TextEncoder();
  const cache = new Utf8Cache(4);
  assert.equal(cache.decodeFrame(enc.encode("zeek.cluster.worker")), "zeek.cluster.worker");
  assert.equal(cache.decodeFrame(enc.encode("töpic-ü")), "töpic-ü");
  assert.equal(cache.decodeFrame(Uint8Array.of(0x74, 0xff)), undefined);
  assert.equal(cache.decodeFrame(new Uint8Array()), "");
  assert.equal(cache.decodeFrame(enc.encode("x".repeat(300) + "é")), "x".repeat(300) + "é");
  for (let i = 0; i < 40; i++) {
    const s = `node-${i % 7}`;
    const framed = enc.encode(`[${s}]`);
    assert.equal(cache.decode(framed, 1, framed.length - 1), s);
  }
  // Invalid bytes are never cached: the same bytes again are still rejected.
  assert.equal(cache.decode(Uint8Array.of(0xc3), 0, 1), undefined);
  assert.equal(cache.decode(Uint8Array.of(0xc3), 0, 1), undefined);
  // A hit is the very string of the miss; the cached bytes are a copy, not the caller's buffer.
  const buf = enc.encode("Cluster::hello");
  const first = cache.decode(buf, 0, buf.length);
  buf[0] = 0x58; // "Xluster::hello"
  assert.equal(cache.decode(buf, 0, buf.length), "Xluster::hello");
  buf[0] = 0x43;
  assert.equal(cache.decode(buf, 0, buf.length), first);
  // The same view twice answers by identity, a new view of equal bytes by comparison.
  const frame = enc.encode("worker-1");
  assert.equal(cache.decodeFrame(frame), "worker-1");
  assert.equal(cache.decodeFrame(frame.slice()), "worker-1");
  // Size 1 remembers one text; more distinct texts than the size replace the oldest.
  const one = new Utf8Cache(1);
  for (const s of ["a", "b", "a", "c"]) assert.equal(one.decode(enc.encode(s), 0, s.length), s);
});
