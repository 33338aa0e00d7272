/**
 * Test site: a worker answers `Site::from_python(s)` and `Site::from_deno(s)` with
 * `Site::from_worker(s)` on `site.from_worker` (typed handlers declare both events, so the
 * manager's WebSocket API accepts them); the manager welcomes each new WebSocket client with
 * `Site::welcome(id)` on every topic it subscribed to, from Zeek's
 * `Cluster::websocket_client_added`.
 */
import { runMain } from "../../main.ts";

await runMain(Deno.args, {
  setup(node) {
    for (const name of ["Site::from_python", "Site::from_deno"]) {
      node.cluster.on(name, ["string"], (arg) => {
        node.cluster.publish(
          "site.from_worker",
          "Site::from_worker",
          `${node.options.node} got ${String(arg)}`,
        );
      });
    }
    node.cluster.on("Cluster::websocket_client_added", ([id], subscriptions) => {
      for (const topic of subscriptions) node.cluster.publish(topic, "Site::welcome", id);
    });
  },
});
