import assert from "node:assert/strict";
import { silentLogger } from "../diagnostics/logger.ts";
import { CounterMap } from "./_counters.ts";
import { EventDispatcher } from "./_dispatch.ts";
import type { EventInfo } from "./events.ts";
import { newClusterStats } from "./events.ts";

Deno.test("EventDispatcher runs handlers in order over the list a dispatch started with", () => {
  const stats = newClusterStats();
  const events = new EventDispatcher(stats, silentLogger);
  const seen: string[] = [];
  const offB = events.on("ev", (() => seen.push("b")) as never);
  const offA = events.on(
    "ev",
    ((x: string) => {
      seen.push(`a${x}`);
      offB(); // removed during the dispatch: this dispatch still runs it, the next does not
      events.on("ev", (() => seen.push("late")) as never); // added: from the next dispatch on
    }) as never,
  );
  events.on("ev", (() => seen.push("c")) as never);
  events.dispatch({ name: "ev", args: ["1"] }, "t", "n");
  assert.deepEqual(seen, ["b", "a1", "c"]);
  seen.length = 0;
  offA();
  events.dispatch({ name: "ev", args: ["2"] }, "t", "n");
  assert.deepEqual(seen, ["c", "late"]);
  assert.equal(stats.handled.get("ev"), 2);
});

Deno.test("EventDispatcher: a remover removes its own registration once; listeners get where it came from", () => {
  const events = new EventDispatcher(newClusterStats(), silentLogger);
  let n = 0;
  const handler = () => void n++;
  const first = events.on("ev", handler as never);
  events.on("ev", handler as never); // the same function twice: two registrations
  first();
  first(); // a second call is a no-op, the other registration stays
  const infos: EventInfo[] = [];
  events.onAny((_event, info) => void infos.push(info));
  events.dispatch({ name: "ev", args: [] }, "zeek/topic", "node-1");
  assert.equal(n, 1);
  assert.deepEqual(infos.map((i) => [i.topic, i.sender, i.event.name]), [
    ["zeek/topic", "node-1", "ev"],
  ]);
});

Deno.test("EventDispatcher: a declaration, a handler or a removal after a dispatch counts at the next event of that name", () => {
  const stats = newClusterStats();
  const events = new EventDispatcher(stats, silentLogger);
  const ev = { name: "ev", args: ["x"] };
  const other = { name: "other", args: [] };
  assert.equal(events.mismatch(ev), undefined);
  events.dispatch(ev, "t", "n"); // no handler yet
  events.declare("ev", ["count"]);
  assert.match(events.mismatch(ev) ?? "", /count/);
  const seen: string[] = [];
  const off = events.on("ev", (() => seen.push("ev")) as never);
  events.dispatch(ev, "t", "n");
  events.dispatch(other, "t", "n");
  events.dispatch(ev, "t", "n");
  off();
  events.dispatch(ev, "t", "n");
  assert.deepEqual(seen, ["ev", "ev"]);
  assert.deepEqual([...stats.handled.entries()], [["ev", 4], ["other", 1]]);
  assert.equal(stats.handled.total(), 5);
});

Deno.test("CounterMap: alternating names, repeats and the bound", () => {
  const counts = new CounterMap(2);
  for (const name of ["a", "a", "b", "a", "c", "c", "b"]) counts.inc(name);
  counts.inc("a", 5);
  assert.equal(counts.get("a"), 8);
  assert.equal(counts.get("b"), 2);
  assert.equal(counts.get("c"), 0);
  assert.equal(counts.overflow, 2);
  assert.equal(counts.total(), 12);
  assert.deepEqual([...counts.entries()], [["a", 8], ["b", 2]]);
});
