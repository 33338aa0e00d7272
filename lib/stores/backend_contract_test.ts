import assert from "node:assert/strict";
import {
  addr,
  BrokerSet,
  type BrokerValue,
  ByteString,
  count,
  enumValue,
  int,
  interval,
  port,
  set,
  subnet,
  table,
  time,
  valuesEqual,
} from "../serialization/mod.ts";
import { BACKENDS } from "./_test_helpers.ts";
import { bytesId, StoreEncoders } from "./backend.ts";

const VALUES: BrokerValue[] = [
  null,
  true,
  count(0xffff_ffff_ffff_ffffn),
  int(-5),
  -0,
  1e-300,
  "üñí",
  new ByteString(new Uint8Array([0, 0xff])),
  addr("10.1.2.3"),
  subnet("2001:db8::/32"),
  port(53, "udp"),
  time(1700000000.5),
  interval(-1.5),
  enumValue("Site::X"),
  set(["b", "a"]),
  table([["k", set([count(2), count(1)])]]),
  [count(1), "p", null],
];

for (const [name, make] of BACKENDS) {
  Deno.test(`${name} put() and get() round-trip every Broker type as key and value`, () => {
    using f = make();
    for (const [i, v] of VALUES.entries()) {
      f.backend.put(v, [i, v], null);
      f.backend.put(`v${i}`, v, null);
    }
    for (const [i, v] of VALUES.entries()) {
      assert.ok(valuesEqual(f.backend.get(v)!.value, [i, v]), `key ${i}`);
      assert.ok(valuesEqual(f.backend.get(`v${i}`)!.value, v), `value ${i}`);
    }
    assert.equal(f.backend.size(), VALUES.length * 2);
  });

  Deno.test(`${name} identifies keys canonically (set order does not matter)`, () => {
    using f = make();
    f.backend.put(new BrokerSet([count(2), count(1)]), "x", null);
    assert.ok(f.backend.exists(new BrokerSet([count(1), count(2)])));
    assert.equal(f.backend.get(set([count(1), count(2)]))?.value, "x");
  });

  Deno.test(`${name} treats keys with the same encoding as one row`, () => {
    using f = make();
    const utf8 = (s: string) => new ByteString(new TextEncoder().encode(s));
    // A lone surrogate encodes as U+FFFD; a byte string of valid UTF-8 as that text; a BOM stays.
    const same: Array<readonly [BrokerValue, BrokerValue]> = [
      ["\uD800x", "\uFFFDx"],
      ["k", utf8("k")],
      ["\uFEFFb", utf8("\uFEFFb")],
    ];
    for (const [i, [a, b]] of same.entries()) {
      f.backend.put(a, i, null);
      assert.equal(f.backend.get(b)?.value, i, `pair ${i}`);
      f.backend.put(b, i + 10, 7n);
      assert.deepEqual(f.backend.get(a), { value: i + 10, expiryNs: 7n }, `pair ${i}`);
      assert.equal(f.backend.expire(a, 7n), true, `pair ${i}`);
      assert.equal(f.backend.exists(b), false, `pair ${i}`);
    }
    // Invalid UTF-8 is a different key from any text; strings and byte strings sit with others.
    f.backend.put(new ByteString(new Uint8Array([0xff])), "bin", null);
    f.backend.put("\uFFFD", "text", null);
    f.backend.put(count(1), "count", null);
    f.backend.putEncoded({
      key: "enc",
      value: "e",
      expiryNs: 9n,
      keyBin: new StoreEncoders().key.encode("enc"),
      valueBin: new StoreEncoders().value.encode("e"),
    });
    assert.equal(f.backend.size(), 4);
    assert.equal(f.backend.get(new ByteString(new Uint8Array([0xff])))?.value, "bin");
    assert.equal(f.backend.get("enc")?.value, "e");
    assert.deepEqual(f.backend.expiries(), [["enc", 9n]]);
    assert.equal(f.backend.snapshot().length, 4);
    assert.equal(f.backend.erase(utf8("enc")), true);
    assert.equal(f.backend.size(), 3);
  });

  Deno.test(`${name} put() replaces the value and the expiry`, () => {
    using f = make();
    f.backend.put("k", "a", 100n);
    assert.deepEqual(f.backend.get("k"), { value: "a", expiryNs: 100n });
    f.backend.put("k", "b", null);
    assert.deepEqual(f.backend.get("k"), { value: "b", expiryNs: null });
    assert.equal(f.backend.size(), 1);
  });

  Deno.test(`${name} erase() reports whether a row went and clear() empties`, () => {
    using f = make();
    f.backend.put("a", 1, null);
    f.backend.put("b", 2, null);
    assert.equal(f.backend.erase("a"), true);
    assert.equal(f.backend.erase("a"), false);
    assert.equal(f.backend.exists("a"), false);
    assert.equal(f.backend.get("a"), undefined);
    f.backend.clear();
    assert.equal(f.backend.size(), 0);
    assert.deepEqual(f.backend.keys(), []);
  });

  Deno.test(`${name} expire() deletes only rows that are due`, () => {
    using f = make();
    f.backend.put("due", 1, 1_000n);
    f.backend.put("later", 2, 5_000n);
    f.backend.put("never", 3, null);
    assert.equal(f.backend.expire("later", 1_000n), false);
    assert.equal(f.backend.expire("never", 1_000n), false);
    assert.equal(f.backend.expire("missing", 1_000n), false);
    assert.equal(f.backend.expire("due", 1_000n), true);
    assert.deepEqual(f.backend.keys().sort(), ["later", "never"]);
  });

  Deno.test(`${name} keys(now) leaves out expired rows; expiries() lists expiring rows`, () => {
    using f = make();
    f.backend.put("old", 1, 10n);
    f.backend.put("new", 2, 1_795_605_910_416_431_508n);
    f.backend.put("forever", 3, null);
    assert.deepEqual(f.backend.keys(10n).sort(), ["forever", "new"]);
    assert.deepEqual(f.backend.keys().sort(), ["forever", "new", "old"]);
    const ex = f.backend.expiries().sort((a, b) => Number(a[1] - b[1]));
    assert.deepEqual(ex, [["old", 10n], ["new", 1_795_605_910_416_431_508n]]);
  });

  Deno.test(`${name} snapshot() returns every row with its expiry`, () => {
    using f = make();
    f.backend.put("a", count(1), null);
    f.backend.put("b", [1, 2], 7n);
    const snap = f.backend.snapshot().sort((x, y) => String(x.key).localeCompare(String(y.key)));
    assert.equal(snap.length, 2);
    assert.ok(valuesEqual(snap[0]!.value, count(1)));
    assert.equal(snap[1]!.expiryNs, 7n);
  });

  Deno.test(`${name} flush() and dispose are safe to repeat`, () => {
    const f = make();
    f.backend.put("a", 1, null);
    f.backend.flush();
    f.backend.flush();
    f.backend[Symbol.dispose]();
    f[Symbol.dispose]();
  });
}

for (const [name, make] of BACKENDS) {
  Deno.test(`${name}.putEncoded() stores rows as put() does, without keeping the scratch bytes`, () => {
    using f = make();
    const enc = new StoreEncoders();
    for (const [i, key] of VALUES.entries()) {
      const value = VALUES[VALUES.length - 1 - i]!;
      f.backend.putEncoded({
        key,
        value,
        expiryNs: i % 2 ? BigInt(i) : null,
        keyBin: enc.key.encode(key),
        valueBin: enc.value.encode(value),
      });
    }
    enc.key.encode("overwritten");
    enc.value.encode("overwritten");
    f.backend.flush();
    assert.equal(f.backend.size(), VALUES.length);
    for (const [i, key] of VALUES.entries()) {
      const row = f.backend.get(key);
      assert.ok(row, String(key));
      assert.ok(valuesEqual(row.value, VALUES[VALUES.length - 1 - i]!), String(key));
      assert.equal(row.expiryNs, i % 2 ? BigInt(i) : null);
    }
  });
}

Deno.test("bytesId() maps each byte to one UTF-16 unit, across chunk boundaries", () => {
  for (const n of [0, 1, 8191, 8192, 8193, 20_000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919) & 0xff);
    const id = bytesId(bytes);
    assert.equal(id.length, n);
    for (let i = 0; i < n; i += 997) assert.equal(id.charCodeAt(i), bytes[i]);
  }
});
