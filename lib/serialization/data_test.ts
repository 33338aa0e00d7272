import assert from "node:assert/strict";
import {
  addr,
  Address,
  BrokerSet,
  ByteString,
  compareValues,
  Count,
  count,
  dataTagOf,
  enumValue,
  int,
  interval,
  Port,
  port,
  set,
  Subnet,
  subnet,
  table,
  time,
  Timestamp,
  valuesEqual,
} from "./mod.ts";

Deno.test("Count and Int reject values outside their ranges", () => {
  assert.equal(count(5).value, 5n);
  assert.equal(new Count(0xffff_ffff_ffff_ffffn).toString(), "18446744073709551615");
  assert.throws(() => new Count(-1n), RangeError);
  assert.throws(() => new Count(1n << 64n), RangeError);
  assert.throws(() => count(1.5), RangeError);
  assert.equal(int(-1).value, -1n);
  assert.throws(() => new Count(2 ** 60), RangeError);
  assert.throws(() => int(1n << 63n), RangeError);
});

Deno.test("Address.parse() maps IPv4 and prints v4 and v6 text", () => {
  const a = addr("10.0.0.1");
  assert.ok(a.isV4());
  assert.equal(a.bytes.length, 16);
  assert.equal(a.toString(), "10.0.0.1");
  assert.equal(addr("::ffff:1.2.3.4").toString(), "1.2.3.4");
  assert.equal(addr("2001:DB8:0:0:0:0:0:1").toString(), "2001:db8::1");
  assert.ok(addr("::1").equals(Address.parse("0:0:0:0:0:0:0:1")));
  assert.throws(() => addr("10.0.0.256"), SyntaxError);
  assert.throws(() => addr("nope"), SyntaxError);
});

Deno.test("Subnet masks the network and keeps v4 lengths in 0-32 form", () => {
  const s = subnet("10.1.2.3/8");
  assert.equal(s.toString(), "10.0.0.0/8");
  assert.equal(s.length, 8);
  assert.equal(s.rawLength, 104);
  assert.equal(subnet("2001:db8::1/32").toString(), "2001:db8::/32");
  assert.equal(subnet("[2001:db8::]/32").toString(), "2001:db8::/32");
  assert.equal(Subnet.fromRaw(addr("::ffff:0:0"), 96).toString(), "0.0.0.0/0");
  assert.throws(() => subnet("10.0.0.0/33"), SyntaxError);
  assert.throws(() => subnet("10.0.0.0"), SyntaxError);
  assert.throws(() => new Subnet(addr("::1"), 129), RangeError);
});

Deno.test("Port.parse() reads n/proto, ? and bare numbers", () => {
  assert.ok(Port.parse("80/tcp").equals(port(80, "tcp")));
  assert.equal(Port.parse("53/udp").protocolCode, 2);
  assert.equal(Port.parse("0/?").protocol, "unknown");
  assert.equal(Port.parse("443").toString(), "443/tcp");
  assert.throws(() => Port.parse("70000/tcp"), SyntaxError);
  assert.throws(() => port(-1), RangeError);
});

Deno.test("Timestamp.fromSeconds() truncates toward zero like Zeek", () => {
  assert.equal(time(1700000000.5).ns, 1700000000500000000n);
  assert.equal(time(-1.5).ns, -1500000000n);
  assert.equal(interval(1e-7).ns, 100n);
  assert.equal(time(1700000000.5).toSeconds(), 1700000000.5);
  assert.equal(new Timestamp(1700000000500000000n).toString(), "2023-11-14T22:13:20.500000000Z");
  assert.equal(interval(1.5).toString(), "1500ms");
  assert.throws(() => time(NaN), RangeError);
  assert.throws(() => time(1e19), RangeError);
});

Deno.test("BrokerSet and BrokerTable sort and drop duplicates", () => {
  const s = set(["b", "a", "b", count(1)]);
  assert.deepEqual(s.values.map(String), ["1", "a", "b"]);
  assert.ok(s.has("a"));
  assert.ok(!s.has("c"));
  const t = table([["k2", 2], ["k1", 1], ["k2", 3]]);
  assert.deepEqual(t.entries.map(([k, v]) => `${k}=${v}`), ["k1=1", "k2=2"]);
  assert.equal(t.get("k2"), 2);
  assert.equal(t.get("zz"), undefined);
});

Deno.test("compareValues() orders by tag, then value", () => {
  const ordered = [
    null,
    false,
    true,
    count(0),
    count(2n ** 64n - 1n),
    int(-5),
    int(3),
    -Infinity,
    -0,
    0,
    1.5,
    NaN,
    "",
    "a",
    "b",
    "\uffff",
    "🦓",
    addr("10.0.0.1"),
    addr("2001:db8::1"),
    subnet("10.0.0.0/8"),
    subnet("10.0.0.0/16"),
    port(80, "tcp"),
    port(80, "udp"),
    port(81, "unknown"),
    time(1),
    interval(1),
    enumValue("A"),
    set([]),
    set([1]),
    table([]),
    [],
    [null],
    [1],
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = Math.sign(compareValues(ordered[i]!, ordered[j]!));
      assert.equal(c, Math.sign(i - j), `${String(ordered[i])} vs ${String(ordered[j])}`);
    }
  }
});

Deno.test("valuesEqual() compares deeply and treats ByteString like its string", () => {
  assert.ok(valuesEqual([count(1), set(["a"])], [count(1), set(["a"])]));
  assert.ok(!valuesEqual([count(1)], [int(1)]));
  assert.ok(valuesEqual(NaN, NaN));
  assert.ok(!valuesEqual(0, -0));
  assert.ok(valuesEqual(new ByteString(new TextEncoder().encode("ü")), "ü"));
  assert.ok(new ByteString(new Uint8Array([0xff])).equals(new ByteString(new Uint8Array([0xff]))));
  assert.equal(new ByteString(new Uint8Array([0x61, 0xff])).toString(), "a\\xff");
});

Deno.test("dataTagOf() rejects non-Broker values", () => {
  assert.equal(dataTagOf(new BrokerSet()), 12);
  assert.throws(() => dataTagOf(undefined as never), TypeError);
  assert.throws(() => dataTagOf({} as never), TypeError);
});
