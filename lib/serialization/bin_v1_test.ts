import assert from "node:assert/strict";
import { SerializationError } from "../errors.ts";
import { fromHex, randomValue, Rng, toHex } from "./_test_values.ts";
import {
  addr,
  BinV1Encoder,
  type BrokerValue,
  ByteString,
  Count,
  count,
  decodeBinV1,
  encodeBinV1,
  enumValue,
  int,
  interval,
  port,
  set,
  subnet,
  table,
  time,
  valuesEqual,
} from "./mod.ts";

Deno.test("encodeBinV1() matches the spec §7 (iv) scalar encodings", () => {
  const cases: [BrokerValue, string][] = [
    [addr("10.0.0.1"), "06 00 00 00 00 00 00 00 00 00 00 ff ff 0a 00 00 01"],
    [subnet("10.0.0.0/8"), "07 00 00 00 00 00 00 00 00 00 00 ff ff 0a 00 00 00 68"],
    [port(80, "tcp"), "08 00 50 01"],
    [1.5, "04 3f f8 00 00 00 00 00 00"],
    [Infinity, "04 ff f0 00 00 00 00 00 00"],
    [int(-1), "03 ff ff ff ff ff ff ff ff"],
    [interval(1.5), "0a 00 00 00 00 59 68 2f 00"],
    [enumValue("Cluster::WORKER"), "0b 0f 43 6c 75 73 74 65 72 3a 3a 57 4f 52 4b 45 52"],
    [true, "01 01"],
    [null, "00"],
  ];
  for (const [value, hex] of cases) {
    const expected = hex.replaceAll(" ", "");
    assert.equal(toHex(encodeBinV1(value)), expected, String(value));
    assert.ok(valuesEqual(decodeBinV1(fromHex(expected)), value), String(value));
  }
});

Deno.test("encodeBinV1() writes CAF's real quirks and reads them back", () => {
  assert.equal(toHex(encodeBinV1(-Infinity)), "047ff0000000000000");
  assert.equal(toHex(encodeBinV1(NaN)), "04ffffffffffffffff");
  assert.equal(toHex(encodeBinV1(-0)), "048000000000000000");
  assert.equal(toHex(encodeBinV1(0)), "040000000000000000");
  assert.equal(decodeBinV1(fromHex("04fff0000000000000")), Infinity);
  assert.equal(decodeBinV1(fromHex("047ff0000000000000")), -Infinity);
  assert.ok(Number.isNaN(decodeBinV1(fromHex("047ff8000000000000"))));
  assert.ok(Object.is(decodeBinV1(fromHex("048000000000000000")), -0));
  // Subnormals: standard IEEE bits (documented decision).
  assert.equal(toHex(encodeBinV1(5e-324)), "040000000000000001");
  assert.equal(decodeBinV1(fromHex("040000000000000001")), 5e-324);
});

Deno.test("encodeBinV1() writes minimal varbytes", () => {
  assert.equal(toHex(encodeBinV1("")), "0500");
  assert.equal(toHex(encodeBinV1("x".repeat(0x7f))).slice(0, 4), "057f");
  assert.equal(toHex(encodeBinV1("x".repeat(300))).slice(0, 6), "05ac02");
  // 43 three-byte chars: the upper bound (129) needs 2 varbyte bytes, the real length 1 does not.
  const s = "€".repeat(42);
  const bytes = encodeBinV1(s);
  assert.equal(toHex(bytes.subarray(0, 3)), "057ee2");
  assert.equal(decodeBinV1(bytes), s);
  const long = "€".repeat(50);
  assert.equal(toHex(encodeBinV1(long).subarray(0, 3)), "059601");
  assert.equal(decodeBinV1(encodeBinV1(long)), long);
  assert.equal(encodeBinV1(Array.from({ length: 200 }, () => null))[1], 0xc8);
});

Deno.test("decodeBinV1() returns ByteString for non-UTF-8 strings and keeps a BOM", () => {
  const v = decodeBinV1(fromHex("050400017fff"));
  assert.ok(v instanceof ByteString);
  assert.equal(toHex(v.bytes), "00017fff");
  assert.equal(toHex(encodeBinV1(v)), "050400017fff");
  assert.equal(decodeBinV1(fromHex("0503efbbbf")), "\ufeff");
  assert.equal(decodeBinV1(fromHex("0509c3bce282acf09fa693")), "ü€🦓");
});

Deno.test("encodeBinV1() sorts sets and tables like Broker", () => {
  assert.equal(
    toHex(encodeBinV1(set([count(3), count(1), count(2)]))),
    "0c03020000000000000001020000000000000002020000000000000003",
  );
  const t = table([[addr("2001:db8::2"), "y"], [addr("10.0.0.1"), "x"]]);
  assert.equal(
    toHex(encodeBinV1(t)),
    "0d020600000000000000000000ffff0a0000010501780620010db8000000000000000000000002050179",
  );
});

Deno.test("decodeBinV1() and encodeBinV1() round-trip every Broker store capture value", async () => {
  const dump = await Deno.readTextFile(
    new URL("../../testdata/zeek-8.2.2/broker-store.dump.txt", import.meta.url),
  );
  const blobs = [...dump.matchAll(/X'([0-9a-f]+)'/g)].map((m) => m[1]!);
  assert.ok(blobs.length >= 92);
  for (const hex of blobs) assert.equal(toHex(encodeBinV1(decodeBinV1(fromHex(hex)))), hex);
  assert.equal(
    (decodeBinV1(fromHex("02ffffffffffffffff")) as Count).value,
    0xffff_ffff_ffff_ffffn,
  );
  assert.equal(
    String(decodeBinV1(fromHex("0720010db800000000000000000000000020"))),
    "2001:db8::/32",
  );
  assert.equal(
    String(decodeBinV1(fromHex("0700000000000000000000ffffc0a8000070"))),
    "192.168.0.0/16",
  );
  assert.ok(valuesEqual(decodeBinV1(fromHex("0917979cfe53f76500")), time(1700000000.5)));
});

Deno.test("decodeBinV1() masks unmasked subnets and reads nonzero booleans as true", () => {
  assert.equal(String(decodeBinV1(fromHex("0700000000000000000000ffff0a01020368"))), "10.0.0.0/8");
  assert.equal(decodeBinV1(fromHex("0102")), true);
});

Deno.test("decodeBinV1() rejects port protocol 4 and subnet length 129", () => {
  assert.throws(() => decodeBinV1(fromHex("08005004")), SerializationError);
  assert.throws(
    () => decodeBinV1(fromHex(`07${"00".repeat(16)}81`)),
    SerializationError,
  );
});

Deno.test("encodeBinV1() keeps string bytes when the buffer grows mid-string", () => {
  for (let n = 0; n < 300; n++) {
    const value = ["x".repeat(n), "é", "€".repeat(n % 60)];
    assert.ok(valuesEqual(decodeBinV1(encodeBinV1(value)), value), `prefix ${n}`);
  }
});

Deno.test("decodeBinV1() reads reals bit-exactly for every exponent", () => {
  const view = new DataView(new ArrayBuffer(8));
  const bytes = new Uint8Array(9);
  bytes[0] = 4;
  let seed = 1;
  for (let exp = 0; exp < 0x7ff; exp++) {
    for (const sign of [0, 1]) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      view.setUint32(0, ((sign << 31) | (exp << 20) | (seed & 0xfffff)) >>> 0);
      view.setUint32(4, Math.imul(seed, 2654435761) >>> 0);
      bytes.set(new Uint8Array(view.buffer), 1);
      const expected = view.getFloat64(0);
      const got = decodeBinV1(bytes) as number;
      assert.ok(Object.is(got, expected), `exp ${exp}: ${got} vs ${expected}`);
      assert.equal(toHex(encodeBinV1(got)), toHex(bytes));
    }
  }
});

Deno.test("BinV1Encoder.encode() gives encodeBinV1()'s bytes for random values", () => {
  const rng = new Rng(7);
  const encoder = new BinV1Encoder({ initialSize: 8 });
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(rng, "bin");
    const expected = toHex(encodeBinV1(value));
    assert.equal(toHex(encoder.encode(value)), expected);
    assert.equal(toHex(encoder.encodeCopy(value)), expected);
  }
});

Deno.test("BinV1Encoder.encode() reuses its buffer; encodeCopy() does not", () => {
  const encoder = new BinV1Encoder();
  const a = encoder.encode("a");
  const b = encoder.encode("b");
  assert.equal(a.buffer, b.buffer);
  assert.equal(toHex(b), "050162");
  assert.equal(toHex(a), "050162"); // overwritten: a view of the same scratch bytes
  const kept = encoder.encodeCopy("c");
  encoder.encode("d");
  assert.equal(toHex(kept), "050163");
});

Deno.test("BinV1Encoder releases a scratch buffer grown past 8 KiB", () => {
  const encoder = new BinV1Encoder();
  const big = encoder.encode("x".repeat(20_000));
  assert.equal(big.length, 20_004); // tag, 3 length bytes, text
  const small = encoder.encode("y");
  assert.notEqual(small.buffer, big.buffer);
  assert.equal(toHex(small), "050179");
  assert.equal(big[4], 0x78); // the large result was not overwritten
});

Deno.test("BinV1Encoder.encode() throws like encodeBinV1() and recovers", () => {
  const encoder = new BinV1Encoder({ maxDepth: 2 });
  assert.throws(() => encoder.encode([[[1]]]), SerializationError);
  assert.throws(() => encoder.encode({} as unknown as BrokerValue), TypeError);
  assert.equal(toHex(encoder.encode(true)), "0101");
});
