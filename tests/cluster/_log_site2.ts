/**
 * A second logging test site (`tests/cluster/logging_more_test.ts`, `tests/interop/bro_cut_test.ts`).
 * Every node defines two streams:
 *
 * - `More::LOG` (path `more`): one column of every kind (scalars, a set, vectors, an unset optional
 *   string, a nested record), with values {@link moreRecord} derives from (node, seq) so a test can
 *   recompute what was written. `More::write(n)` writes seq 0..n-1, then logs `wrote n records`.
 * - `Load::LOG` (path `load`): small records written at a steady rate. `Load::stream(rate, ms)`
 *   writes `rate` records/s for `ms` ms (seq from 0, paced on 5 ms ticks), flushes, then logs
 *   `streamed <sent> records, <dropped> dropped`.
 * - `LogTypes::LOG` (path `types`): the stream of Zeek's `logger-ascii/types.log` capture.
 *   `LogTypes::write()` writes its nine records, then logs `wrote types`.
 *
 * Run as a program it is a node (`runMain`); imported it only exports the stream definitions.
 *
 * @module
 */
import { runMain } from "../../main.ts";
import type { Count } from "../../lib/serialization/mod.ts";
import type { LogColumns } from "../../lib/logging/mod.ts";
import type { RunningNode } from "../../lib/node/cluster_node.ts";
import { TYPES_STREAM, typesRecords } from "../../lib/logging/schema/_test_fixtures.ts";

/** Columns of `More::LOG`. */
export const MORE_COLUMNS: LogColumns = {
  ts: "time",
  node: "string",
  seq: "count",
  i: "int",
  d: "double",
  dur: "interval",
  a: "addr",
  p: "port",
  sn: "subnet",
  e: "enum",
  b: "bool",
  s: "string",
  tags: "set[string]",
  vals: "vector[count]",
  names: "vector[string]",
  opt: { type: "string", optional: true },
  inner: { record: { name: "string", n: "count" } },
};

/** Columns of `Load::LOG`. */
export const LOAD_COLUMNS: LogColumns = {
  ts: "time",
  node: "string",
  seq: "count",
  pad: "string",
};

/** The `s` column by `seq % 5`: plain, a tab inside, empty, a lone `-`, a comma inside. */
function moreString(seq: number): string {
  switch (seq % 5) {
    case 0:
      return `plain ${seq}`;
    case 1:
      return `tab\there ${seq}`;
    case 2:
      return "";
    case 3:
      return "-";
    default:
      return `comma,${seq}`;
  }
}

/**
 * The record a node writes to `More::LOG` for `seq` (deterministic).
 *
 * @param node Writer node name.
 * @param seq Sequence number.
 * @returns The record.
 */
export function moreRecord(node: string, seq: number): Record<string, unknown> {
  return {
    ts: 1700000000 + seq + 0.5,
    node,
    seq,
    i: seq === 0 ? 0 : -seq,
    d: seq + 0.25,
    dur: 1.5,
    a: seq % 2 ? "2001:db8::1" : `10.0.0.${seq % 250}`,
    p: { port: 1000 + seq, proto: "tcp" },
    sn: "10.0.0.0/8",
    e: seq % 2 ? "Test::ODD" : "Test::EVEN",
    b: seq % 2 === 0,
    s: moreString(seq),
    tags: seq % 3 === 0 ? [] : seq % 3 === 1 ? ["a,b", `t${seq}`] : ["x"],
    vals: seq % 4 === 0 ? [] : [seq, seq * 2],
    names: seq % 4 === 0 ? [] : ["n\t1", "(empty)", ""],
    opt: seq % 2 ? undefined : `o${seq}`,
    inner: { name: `in-${seq}`, n: seq * 10 },
  };
}

/** The `Load::LOG` record of (node, seq). */
function loadRecord(node: string, seq: number): Record<string, unknown> {
  return { ts: Date.now() / 1000, node, seq, pad: "p".repeat(40) };
}

/** Defines the streams and the handlers on a node. */
export function setupSite(node: RunningNode): void {
  node.log.createStream("More::LOG", { path: "more", columns: MORE_COLUMNS });
  node.log.createStream("Load::LOG", { path: "load", columns: LOAD_COLUMNS });
  node.log.createStream("LogTypes::LOG", { path: "types", columns: TYPES_STREAM.columns });
  const me = node.options.node;
  node.cluster.on("LogTypes::write", () => {
    for (const record of typesRecords()) node.log.write("LogTypes::LOG", record);
    node.log.flush();
    console.error("wrote types");
  });
  node.cluster.on("More::write", (n) => {
    const total = Number((n as Count).value);
    for (let seq = 0; seq < total; seq++) node.log.write("More::LOG", moreRecord(me, seq));
    node.log.flush();
    console.error(`wrote ${total} records`);
  });
  node.cluster.on("Load::stream", async (rate, ms) => {
    const perS = Number((rate as Count).value);
    const durationMs = Number((ms as Count).value);
    const start = performance.now();
    let seq = 0;
    for (;;) {
      const elapsed = Math.min(performance.now() - start, durationMs);
      const due = Math.floor((elapsed / 1000) * perS);
      for (; seq < due; seq++) node.log.write("Load::LOG", loadRecord(me, seq));
      if (elapsed >= durationMs) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    node.log.flush();
    console.error(`streamed ${seq} records, ${node.log.stats.recordsDropped} dropped`);
  });
}

if (import.meta.main) await runMain(Deno.args, { setup: setupSite });
