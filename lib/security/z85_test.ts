import assert from "node:assert/strict";
import { isZ85, z85Decode, z85Encode } from "./z85.ts";

const HELLO = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);

Deno.test("z85Encode() encodes the spec's HelloWorld vector", () => {
  assert.equal(z85Encode(HELLO), "HelloWorld");
});

Deno.test("z85Decode() decodes the spec's HelloWorld vector", () => {
  assert.deepEqual(z85Decode("HelloWorld"), HELLO);
});

Deno.test("z85Encode() and z85Decode() round-trip the extremes and a 32-byte key", () => {
  assert.equal(z85Encode(new Uint8Array(4)), "00000");
  assert.equal(z85Encode(new Uint8Array([0xff, 0xff, 0xff, 0xff])), "%nSc0");
  assert.deepEqual(z85Decode("%nSc0"), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  const key = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  const text = z85Encode(key);
  assert.equal(text.length, 40);
  assert.deepEqual(z85Decode(text), key);
});

Deno.test("z85Decode() round-trips a Z85 key from libzmq's CURVE tests", () => {
  const text = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  assert.equal(z85Encode(z85Decode(text)), text);
});

Deno.test("z85Encode() rejects a length that is not a multiple of 4", () => {
  assert.throws(() => z85Encode(new Uint8Array(3)), {
    name: "RangeError",
    message: "Cannot encode Z85: 3 bytes is not a multiple of 4",
  });
});

Deno.test("z85Decode() rejects a bad length, a bad character and a group above 32 bits", () => {
  assert.throws(() => z85Decode("Hello!"), { name: "SyntaxError", message: /6 characters/ });
  assert.throws(() => z85Decode("Hell~"), {
    name: "SyntaxError",
    message: 'Cannot decode Z85: character "~" at 4 is not Z85',
  });
  assert.throws(() => z85Decode("#####"), { name: "SyntaxError", message: /exceeds 32 bits/ });
});

Deno.test("isZ85() checks length and alphabet", () => {
  assert.equal(isZ85("HelloWorld", 8), true);
  assert.equal(isZ85("HelloWorld", 32), false);
  assert.equal(isZ85("Hello Worl", 8), false);
});
