/**
 * A test site: every node defines the `Test::LOG` stream; on `Test::write_logs(n)` a node writes
 * n records (seq 0..n-1) in chunks, then logs `wrote n records`.
 */
import { runMain } from "../../main.ts";
import type { Count } from "../../lib/serialization/mod.ts";

await runMain(Deno.args, {
  setup(node) {
    node.log.createStream("Test::LOG", {
      path: "test",
      columns: {
        ts: "time",
        node: "string",
        seq: "count",
        tags: "set[string]",
        vals: "vector[count]",
        note: { type: "string", optional: true },
        ok: "bool",
      },
    });
    node.cluster.on("Test::write_logs", async (n) => {
      const total = Number((n as Count).value);
      const me = node.options.node;
      for (let seq = 0; seq < total; seq++) {
        node.log.write("Test::LOG", {
          ts: Date.now() / 1000,
          node: me,
          seq,
          tags: seq % 2 ? ["odd", "x,y"] : [],
          vals: [seq, seq * 2],
          note: seq % 3 === 0 ? undefined : `note\t${seq}`,
          ok: seq % 2 === 0,
        });
        if (seq % 1000 === 999) await new Promise((r) => setTimeout(r, 1));
      }
      node.log.flush();
      console.error(`wrote ${total} records`);
    });
  },
});
