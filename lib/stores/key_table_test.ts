import assert from "node:assert/strict";
import { KeyTable } from "./_key_table.ts";
import { rng } from "./_fake_channel.ts";

/** The row of `id`, or undefined. */
function row<K, V, E>(t: KeyTable<K, V, E>, id: string): [K, V, E] | undefined {
  const slot = t.find(id);
  return slot < 0 ? undefined : [t.keyAt(slot), t.valueAt(slot), t.extraAt(slot)];
}

function rows<K, V, E>(t: KeyTable<K, V, E>): [K, V, E][] {
  const out: [K, V, E][] = [];
  t.forEach((k, v, e) => out.push([k, v, e]));
  return out;
}

Deno.test("KeyTable agrees with a Map over random sets, deletes and finds (property)", () => {
  for (const seed of [1, 2, 3, 0x7fffffff, -5]) {
    const random = rng(seed);
    const table = new KeyTable<string, number, boolean>(seed);
    const model = new Map<string, [string, number, boolean]>();
    // Few distinct ids: every operation hits present and absent ones, probe runs wrap around.
    const id = () => `k${Math.floor(random() * 300)}`;
    for (let op = 0; op < 20_000; op++) {
      const k = id();
      const r = random();
      if (r < 0.5) {
        table.set(k, `key of ${k}`, op, op % 2 === 0);
        model.set(k, [`key of ${k}`, op, op % 2 === 0]);
      } else if (r < 0.8) {
        assert.equal(table.delete(k), model.delete(k), `delete ${k} at op ${op}`);
      } else {
        assert.deepEqual(row(table, k), model.get(k), `find ${k} at op ${op}`);
      }
      assert.equal(table.size, model.size);
    }
    for (const [k, v] of model) assert.deepEqual(row(table, k), v);
    const byValue = (a: [string, number, boolean], b: [string, number, boolean]) => a[1] - b[1];
    assert.deepEqual(rows(table).sort(byValue), [...model.values()].sort(byValue));
  }
});

Deno.test("KeyTable keeps every row through growth, shrinking and clear", () => {
  const table = new KeyTable<number, string, null>();
  for (let i = 0; i < 50_000; i++) table.set(`key ${i}`, i, `v${i}`, null);
  assert.equal(table.size, 50_000);
  for (let i = 0; i < 50_000; i += 2) assert.equal(table.delete(`key ${i}`), true);
  assert.equal(table.size, 25_000);
  for (let i = 0; i < 50_000; i++) {
    assert.deepEqual(row(table, `key ${i}`), i % 2 ? [i, `v${i}`, null] : undefined);
  }
  for (let i = 1; i < 50_000; i += 2) table.delete(`key ${i}`);
  assert.equal(table.size, 0);
  assert.deepEqual(rows(table), []);
  table.set("", 1, "empty id", null);
  table.set("\u0000", 2, "nul", null);
  table.set("", 3, "replaced", null);
  assert.equal(table.size, 2);
  assert.deepEqual(row(table, ""), [3, "replaced", null]);
  assert.deepEqual(row(table, "\u0000"), [2, "nul", null]);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.find(""), -1);
});
