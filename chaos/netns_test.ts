import assert from "node:assert/strict";
import { HOST_IPS, HOSTS, isStaleNamespace, runPrefix, topologyOf } from "./netns.ts";

Deno.test("topologyOf() names every namespace with the run prefix", () => {
  const t = topologyOf("4242");
  assert.equal(t.prefix, "zc-4242-");
  assert.equal(t.hub, "zc-4242-hub");
  for (const h of HOSTS) assert.equal(t.ns[h], `zc-4242-${h}`);
});

Deno.test("runPrefix() refuses run ids that could escape the prefix", () => {
  assert.throws(() => runPrefix("1-2"), RangeError);
  assert.throws(() => runPrefix(""), RangeError);
  assert.throws(() => runPrefix("../x"), RangeError);
});

Deno.test("every host address is inside 198.18.0.0/15", () => {
  for (const ip of Object.values(HOST_IPS)) {
    const [a, b] = ip.split(".").map(Number);
    assert.ok(a === 198 && (b === 18 || b === 19), ip);
  }
});

Deno.test("isStaleNamespace() keeps namespaces of live runs and names it does not own", () => {
  assert.equal(isStaleNamespace(`zc-${Deno.pid}-mgr`), true, "this test is not a chaos run");
  assert.equal(isStaleNamespace("zc-manual"), false);
  assert.equal(isStaleNamespace("other-1-x"), false);
  assert.equal(isStaleNamespace("zc-999999999-mgr"), true);
});
