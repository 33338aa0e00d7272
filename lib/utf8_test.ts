import assert from "node:assert/strict";
import { decodeUtf8 } from "./utf8.ts";

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
