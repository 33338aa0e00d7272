import assert from "node:assert/strict";
import { fnv1a32, hrwKeyDigest } from "./fnv1a32.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("fnv1a32() matches the spec vectors", () => {
  assert.equal(fnv1a32(new Uint8Array()), 2166136261);
  assert.equal(fnv1a32(utf8("0")), 890022063);
  assert.equal(fnv1a32(utf8("worker-1.0")), 4178617771);
  assert.equal(fnv1a32(utf8("worker-2.0")), 3162793146);
});

Deno.test("hrwKeyDigest() hashes a string as its UTF-8 bytes", () => {
  assert.equal(hrwKeyDigest("0"), 890022063);
  assert.equal(hrwKeyDigest("é"), fnv1a32(new Uint8Array([0xc3, 0xa9])));
});

Deno.test("hrwKeyDigest() hashes a count as tag 3 (LE int32) and a LE uint64", () => {
  const bytes = new Uint8Array([3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(hrwKeyDigest(7n), fnv1a32(bytes));
  assert.equal(hrwKeyDigest(7), fnv1a32(bytes));
  const max = new Uint8Array([3, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
  assert.equal(hrwKeyDigest((1n << 64n) - 1n), fnv1a32(max));
});

Deno.test("hrwKeyDigest() hashes an addr as tag 11 (LE int32), its text and a NUL", () => {
  const bytes = new Uint8Array([11, 0, 0, 0, ...utf8("10.0.0.1"), 0]);
  assert.equal(hrwKeyDigest({ addr: "10.0.0.1" }), fnv1a32(bytes));
  const addrClass = { kind: "addr" as const, toString: () => "10.0.0.1" };
  assert.equal(hrwKeyDigest(addrClass), fnv1a32(bytes));
});

Deno.test("hrwKeyDigest() rejects bad counts and unknown keys", () => {
  assert.throws(() => hrwKeyDigest(-1), RangeError);
  assert.throws(() => hrwKeyDigest(1.5), RangeError);
  assert.throws(() => hrwKeyDigest(-1n), RangeError);
  assert.throws(() => hrwKeyDigest(1n << 64n), RangeError);
  assert.throws(() => hrwKeyDigest({ port: 80 } as never), TypeError);
  assert.throws(() => hrwKeyDigest(null as never), TypeError);
});
