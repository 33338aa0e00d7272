/**
 * A test site for membership churn: a node whose name starts with `short-` exits (without any
 * goodbye, like a crash) a few milliseconds after it saw the manager come up, i.e. right after its
 * own hellos went out. Every other node runs as usual.
 */
import { runMain } from "../../main.ts";

await runMain(Deno.args, {
  setup(node) {
    const me = node.options.node;
    if (!me.startsWith("short-")) return;
    // 0-4 ms, different per worker, so the exit lands at different points of the peers' handshakes.
    const leave = () => Deno.exit(0);
    if (node.cluster.idOf("manager") !== undefined) return void leave();
    node.cluster.on("Cluster::node_up", (name) => {
      if (name === "manager") leave();
    });
  },
});
