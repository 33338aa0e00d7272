import assert from "node:assert/strict";
import { StoreError } from "../errors.ts";
import {
  BrokerSet,
  BrokerTable,
  ByteString,
  count,
  int,
  interval,
  set,
  table,
  time,
  Timespan,
  Timestamp,
  valuesEqual,
} from "../serialization/mod.ts";
import { MemoryBackend } from "./memory_backend.ts";
import {
  add,
  applyCommand,
  ExpiryTracker,
  incrementInitType,
  readValue,
  retrieve,
  type StoreCommand,
  subtract,
} from "./operations.ts";

const NOW = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

function code(c: string) {
  return (e: unknown) => e instanceof StoreError && e.code === c;
}

function apply(b: MemoryBackend, cmd: StoreCommand, nowNs = NOW) {
  return applyCommand(b, cmd, { nowNs });
}

Deno.test("applyCommand() put sets an absolute expiry and a put without one clears it", () => {
  using b = new MemoryBackend();
  const out = apply(b, { type: "put", key: "k", value: 1, expiry: new Timespan(5n * S) });
  assert.deepEqual(out.updates, [{ type: "put", key: "k", value: 1, expiryNs: NOW + 5n * S }]);
  apply(b, { type: "put", key: "k", value: 2, expiry: null });
  assert.deepEqual(b.get("k"), { value: 2, expiryNs: null });
});

Deno.test("applyCommand() put_unique inserts once and answers whether it did", () => {
  using b = new MemoryBackend();
  const cmd = { type: "put_unique", key: "k", value: "a", expiry: null } as const;
  assert.equal(apply(b, cmd).result, true);
  const again = apply(b, { ...cmd, value: "b" });
  assert.equal(again.result, false);
  assert.deepEqual(again.updates, []);
  assert.equal(b.get("k")?.value, "a");
});

Deno.test("applyCommand() put_unique treats an expired but unswept key as absent", () => {
  using b = new MemoryBackend();
  b.put("k", "old", NOW - 1n);
  assert.equal(apply(b, { type: "put_unique", key: "k", value: "new", expiry: null }).result, true);
});

Deno.test("applyCommand() erase of a missing key is silent; clear broadcasts clear", () => {
  using b = new MemoryBackend();
  assert.deepEqual(apply(b, { type: "erase", key: "x" }).updates, []);
  b.put("x", 1, null);
  assert.deepEqual(apply(b, { type: "erase", key: "x" }).updates, [{ type: "erase", key: "x" }]);
  b.put("y", 1, null);
  assert.deepEqual(apply(b, { type: "clear" }).updates, [{ type: "clear" }]);
  assert.equal(b.size(), 0);
});

Deno.test("applyCommand() add turns into a full-value put and clears the expiry without one", () => {
  using b = new MemoryBackend();
  b.put("n", count(1), NOW + S);
  const out = apply(b, { type: "add", key: "n", value: count(2), initType: "count", expiry: null });
  assert.equal(out.updates.length, 1);
  const u = out.updates[0]!;
  assert.ok(u.type === "put" && valuesEqual(u.value, count(3)) && u.expiryNs === null);
});

Deno.test("applyCommand() add creates a missing key from its init type", () => {
  using b = new MemoryBackend();
  const cases: Array<[StoreCommand, unknown]> = [
    [{ type: "add", key: "c", value: count(2), initType: "count", expiry: null }, count(2)],
    [{ type: "add", key: "i", value: int(-2), initType: "integer", expiry: null }, int(-2)],
    [{ type: "add", key: "r", value: 1.5, initType: "real", expiry: null }, 1.5],
    [{ type: "add", key: "s", value: "ab", initType: "string", expiry: null }, "ab"],
    [{ type: "add", key: "v", value: 1, initType: "vector", expiry: null }, [1]],
    [{ type: "add", key: "set", value: "e", initType: "set", expiry: null }, set(["e"])],
    [
      { type: "add", key: "t", value: ["k", 1], initType: "table", expiry: null },
      table([["k", 1]]),
    ],
    [
      { type: "add", key: "ts", value: interval(2), initType: "timestamp", expiry: null },
      new Timestamp(2n * S),
    ],
  ];
  for (const [cmd, expected] of cases) {
    apply(b, cmd);
    assert.ok(valuesEqual(readValue(b, (cmd as { key: string }).key, NOW), expected as never));
  }
  assert.throws(
    () => apply(b, { type: "add", key: "none", value: "x", initType: "none", expiry: null }),
    code("type_clash"),
  );
});

Deno.test("add() follows Broker's adder for every type and clashes otherwise", () => {
  assert.ok(valuesEqual(add(count(1), count(2)), count(3)));
  assert.ok(valuesEqual(add(count(0xffff_ffff_ffff_ffffn), count(1)), count(0)));
  assert.ok(valuesEqual(add(int(-1), int(-2)), int(-3)));
  assert.equal(add(1.5, 1), 2.5);
  assert.ok(valuesEqual(add(interval(1), interval(2)), interval(3)));
  assert.ok(valuesEqual(add(time(10), interval(5)), time(15)));
  assert.equal(add("ab", "cd"), "abcd");
  const bytes = add(new ByteString(new Uint8Array([0xff])), "a");
  assert.ok(bytes instanceof ByteString && bytes.bytes.length === 2);
  assert.deepEqual(add([1], [2]), [1, [2]]);
  assert.ok(valuesEqual(add(set([count(2)]), count(1)), set([count(1), count(2)])));
  assert.ok(valuesEqual(add(table([["a", 1]]), ["a", 2]), table([["a", 2]])));
  assert.throws(() => add(table([]), "x"), code("invalid_data"));
  assert.throws(() => add(count(1), int(1)), code("type_clash"));
  assert.throws(() => add(time(1), time(1)), code("type_clash"));
  assert.throws(() => add(true, true), code("type_clash"));
  assert.throws(() => add("s", count(1)), code("type_clash"));
});

Deno.test("subtract() follows Broker's remover; strings cannot be subtracted from", () => {
  assert.ok(valuesEqual(subtract(count(5), count(2)), count(3)));
  assert.ok(valuesEqual(subtract(count(0), count(1)), count(0xffff_ffff_ffff_ffffn)));
  assert.ok(valuesEqual(subtract(int(1), int(3)), int(-2)));
  assert.equal(subtract(2.5, 1), 1.5);
  assert.ok(valuesEqual(subtract(time(10), interval(4)), time(6)));
  assert.deepEqual(subtract([1, 2, 3], "ignored"), [1, 2]);
  assert.deepEqual(subtract([], "ignored"), []);
  assert.ok(valuesEqual(subtract(set(["a", "b"]), "a"), set(["b"])));
  assert.ok(valuesEqual(subtract(table([["a", 1], ["b", 2]]), "a"), table([["b", 2]])));
  assert.throws(() => subtract("abc", "c"), code("type_clash"));
  assert.throws(() => subtract(count(1), 1), code("type_clash"));
});

Deno.test("applyCommand() subtract on a missing key fails with no_such_key", () => {
  using b = new MemoryBackend();
  assert.throws(
    () => apply(b, { type: "subtract", key: "x", value: count(1), expiry: null }),
    code("no_such_key"),
  );
});

Deno.test("incrementInitType() maps amounts as Broker's increment does", () => {
  assert.equal(incrementInitType(count(1)), "count");
  assert.equal(incrementInitType(int(1)), "integer");
  assert.equal(incrementInitType(1.5), "real");
  assert.equal(incrementInitType(interval(1)), "timestamp");
  assert.equal(incrementInitType("x"), "none");
});

Deno.test("retrieve() implements get with an index for vectors, sets and tables", () => {
  assert.equal(retrieve(["a", "b"], count(1)), "b");
  assert.equal(retrieve(["a", "b"], int(0)), "a");
  assert.throws(() => retrieve(["a"], count(1)), code("no_such_key"));
  assert.throws(() => retrieve(["a"], int(-1)), code("no_such_key"));
  assert.equal(retrieve(set(["a"]), "a"), true);
  assert.equal(retrieve(set(["a"]), "b"), false);
  assert.equal(retrieve(table([["k", 1]]), "k"), 1);
  assert.throws(() => retrieve(table([]), "k"), code("no_such_key"));
  assert.equal(retrieve("whole", count(3)), "whole");
});

Deno.test("readValue() treats an expired row as absent (lazy expiry)", () => {
  using b = new MemoryBackend();
  b.put("k", 1, NOW);
  assert.throws(() => readValue(b, "k", NOW), code("no_such_key"));
  assert.equal(readValue(b, "k", NOW - 1n), 1);
  assert.equal(readValue(b, "k"), 1);
});

Deno.test("applyCommand() bounds key and value sizes", () => {
  using b = new MemoryBackend();
  const limits = { maxKeyBytes: 10, maxValueBytes: 20 };
  assert.throws(
    () =>
      applyCommand(b, { type: "put", key: "x".repeat(20), value: 1, expiry: null }, {
        nowNs: NOW,
        limits,
      }),
    code("key_too_large"),
  );
  assert.throws(
    () =>
      applyCommand(b, { type: "put", key: "k", value: "y".repeat(30), expiry: null }, {
        nowNs: NOW,
        limits,
      }),
    code("value_too_large"),
  );
  applyCommand(b, { type: "put", key: "k", value: "y".repeat(15), expiry: null }, {
    nowNs: NOW,
    limits,
  });
  assert.throws(
    () =>
      applyCommand(b, {
        type: "add",
        key: "k",
        value: "y".repeat(10),
        initType: "string",
        expiry: null,
      }, {
        nowNs: NOW,
        limits,
      }),
    code("value_too_large"),
  );
  assert.equal(b.get("k")?.value, "y".repeat(15));
});

Deno.test("ExpiryTracker sweeps due keys, follows updates and reloads from a backend", () => {
  using b = new MemoryBackend();
  const tracker = new ExpiryTracker();
  for (
    const cmd of [
      { type: "put", key: "a", value: 1, expiry: new Timespan(S) },
      { type: "put", key: "b", value: 2, expiry: new Timespan(10n * S) },
      { type: "put", key: "c", value: 3, expiry: new Timespan(S) },
    ] as const
  ) {
    for (const u of apply(b, cmd).updates) tracker.track(u);
  }
  for (const u of apply(b, { type: "put", key: "c", value: 4, expiry: null }).updates) {
    tracker.track(u);
  }
  assert.equal(tracker.size, 2);
  assert.deepEqual(tracker.sweep(b, NOW), []);
  assert.deepEqual(tracker.sweep(b, NOW + S), [{ type: "expire", key: "a" }]);
  assert.deepEqual(b.keys().sort(), ["b", "c"]);
  const reloaded = new ExpiryTracker();
  reloaded.load(b);
  assert.deepEqual(reloaded.sweep(b, NOW + 10n * S), [{ type: "expire", key: "b" }]);
  assert.ok(new BrokerSet().size === 0 && new BrokerTable().size === 0);
});
