/**
 * A test site for data stores: every node creates the persistent store "test" (the master on the
 * manager, a clone elsewhere) and answers events that drive its store, printing one line per
 * outcome on stderr:
 *
 * - `Test::put(store, key, value)` → `put store=S key=K ok` | `put store=S key=K error=CODE msg`
 * - `Test::get(store, key)` → `get store=S key=K value=V` | `get store=S key=K error=CODE msg`
 * - `Test::increment(store, key, n[, after])`: n increments by 1, at most 500 in flight →
 *   `increment scheduled store=S key=K`, then
 *   `increment store=S key=K n=N ok=A failed=F [first=CODE msg]`. With `after` (a node name),
 *   the increments start only once that node is declared down (`Cluster::node_down`).
 * - `Test::increment_by(store, key, amount)` → `increment_by store=S key=K ok` |
 *   `increment_by store=S key=K error=CODE msg`
 * - `Test::put_big_key(store, bytes)`: a put whose key is `bytes` long →
 *   `put_big_key store=S ok` | `put_big_key store=S error=CODE msg`
 * - `Test::load(prefix, n, window)`: puts `<prefix><i>` = count(i), i < n, `window` in flight; each
 *   acknowledged write prints `acked <prefix><i>`, a failure `load-fail <prefix><i> CODE`; at the
 *   end `load done prefix=P acked=A failed=F`. `Test::stop_load(prefix)` stops it early.
 * - `Test::has(store, keys)` → `has store=S n=FOUND of=TOTAL missing=K1,K2,...` (the first 20
 *   missing)
 * - `Test::size(store)` → `size store=S n=N`
 * - `Test::poll_get(store, key, every_ms)`: a `Test::get` every `every_ms` until
 *   `Test::stop_poll()` (so reads can be observed while the manager, hence the proxy, is down).
 *
 * A watcher prints `store S master|attached|detached snapshots=N` whenever a store's state or
 * its count of applied snapshots changes.
 *
 * Stores other than "test" are created on first use (so a clone of a store whose master no node
 * created can be exercised).
 */
import { runMain } from "../../main.ts";
import type { RunningNode } from "../../lib/node/cluster_node.ts";
import { CloneStore } from "../../lib/stores/clone_store.ts";
import type { Store } from "../../lib/stores/store.ts";
import { type BrokerValue, type Count, count, valueToString } from "../../lib/serialization/mod.ts";

const IN_FLIGHT = 500;

function say(line: string): void {
  console.error(line);
}

function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `error=${e.code ?? "exception"} ${e.message ?? String(error)}`;
}

function num(v: BrokerValue): number {
  return typeof v === "number" ? v : Number((v as Count).value);
}

function storeOf(node: RunningNode, name: BrokerValue): Store {
  const n = String(name);
  return (node.stores().find((s) => s.info.name === n) ?? node.createStore(n)).store;
}

/** Runs `total` tasks with at most `window` in flight. */
async function pooled(
  total: number,
  window: number,
  task: (i: number) => Promise<void>,
  stopped: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total && !stopped()) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watchStores(node: RunningNode): void {
  const seen = new Map<string, string>();
  setInterval(() => {
    for (const { info, store } of node.stores()) {
      const role = store instanceof CloneStore
        ? (store.attached ? "attached" : "detached")
        : "master";
      const state = `${role} snapshots=${store.stats.snapshots}`;
      if (seen.get(info.name) === state) continue;
      seen.set(info.name, state);
      say(`store ${info.name} ${state}`);
    }
  }, 20);
}

function setup(node: RunningNode): void {
  node.createStore("test", { persistent: true });
  watchStores(node);
  const on = (name: string, handler: (...args: BrokerValue[]) => Promise<void>) =>
    node.cluster.on(name, (...args) => {
      handler(...args).catch((error) => say(`${name} crashed: ${errorText(error)}`));
    });
  const stops = new Set<string>();

  on("Test::put", async (store, key, value) => {
    const head = `put store=${store} key=${key}`;
    try {
      await storeOf(node, store).put(key!, value!);
      say(`${head} ok`);
    } catch (error) {
      say(`${head} ${errorText(error)}`);
    }
  });

  const get = async (store: BrokerValue, key: BrokerValue) => {
    const head = `get store=${store} key=${key}`;
    try {
      say(`${head} value=${valueToString(await storeOf(node, store).get(key))}`);
    } catch (error) {
      say(`${head} ${errorText(error)}`);
    }
  };
  on("Test::get", (store, key) => get(store!, key!));

  on("Test::poll_get", async (store, key, everyMs) => {
    stops.delete("poll");
    while (!stops.has("poll")) {
      await get(store!, key!);
      await sleep(num(everyMs!));
    }
    say("poll stopped");
  });

  on("Test::stop_poll", () => {
    stops.add("poll");
    return Promise.resolve();
  });

  on("Test::increment", async (store, key, n, after) => {
    const s = storeOf(node, store);
    const down = after === undefined ? undefined : new Promise<void>((resolve) => {
      const off = node.cluster.on("Cluster::node_down", (name) => {
        if (name !== after) return;
        off();
        resolve();
      });
    });
    say(`increment scheduled store=${store} key=${key}`);
    if (down) {
      await down;
      say(`increment started store=${store} key=${key} after node_down ${after}`);
    }
    let ok = 0, failed = 0, first = "";
    await pooled(num(n!), IN_FLIGHT, async () => {
      try {
        await s.increment(key!, count(1));
        ok++;
      } catch (error) {
        failed++;
        first ||= ` first=${errorText(error)}`;
      }
    });
    say(`increment store=${store} key=${key} n=${num(n!)} ok=${ok} failed=${failed}${first}`);
  });

  on("Test::increment_by", async (store, key, amount) => {
    const head = `increment_by store=${store} key=${key}`;
    try {
      await storeOf(node, store).increment(key!, amount!);
      say(`${head} ok`);
    } catch (error) {
      say(`${head} ${errorText(error)}`);
    }
  });

  on("Test::put_big_key", async (store, bytes) => {
    const head = `put_big_key store=${store}`;
    try {
      await storeOf(node, store).put("K".repeat(num(bytes!)), "v");
      say(`${head} ok`);
    } catch (error) {
      say(`${head} ${errorText(error)}`);
    }
  });

  on("Test::load", async (prefix, n, window) => {
    const p = String(prefix);
    const s = storeOf(node, "test");
    stops.delete(p);
    let acked = 0, failed = 0;
    await pooled(num(n!), num(window!), async (i) => {
      const key = `${p}${i}`;
      try {
        await s.put(key, count(i));
        acked++;
        say(`acked ${key}`);
      } catch (error) {
        failed++;
        say(`load-fail ${key} ${(error as { code?: string }).code ?? "exception"}`);
      }
    }, () => stops.has(p));
    say(`load done prefix=${p} acked=${acked} failed=${failed}`);
  });

  on("Test::stop_load", (prefix) => {
    stops.add(String(prefix));
    return Promise.resolve();
  });

  on("Test::has", async (store, keys) => {
    const s = storeOf(node, store);
    const list = keys as BrokerValue[];
    const missing: string[] = [];
    try {
      for (const k of list) if (!(await s.exists(k))) missing.push(String(k));
    } catch (error) {
      return say(`has store=${store} ${errorText(error)}`);
    }
    say(
      `has store=${store} n=${list.length - missing.length} of=${list.length} missing=${
        missing.slice(0, 20).join(",")
      }`,
    );
  });

  on("Test::size", async (store) => {
    try {
      say(`size store=${store} n=${(await storeOf(node, store).keys()).size}`);
    } catch (error) {
      say(`size store=${store} ${errorText(error)}`);
    }
  });
}

await runMain(Deno.args, { setup });
